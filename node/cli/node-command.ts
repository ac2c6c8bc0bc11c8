import { once } from 'node:events'
import { flushCompileCache } from 'node:module'
import { resolve } from 'node:path'
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, PatchmeshNode } from '../agent.ts'
import { createLogger } from '../log.ts'
import { readKeyFile } from '../../admin/keys.ts'
import { parseCommand, usageError } from './args.ts'
import { getPassphrase } from './passphrase.ts'
import { DEFAULT_UPLOAD_SLOTS } from '../blobs/blob-server.ts'
import { DEFAULT_COPIES_PER_SITE } from '../blobs/site-keepers.ts'
import { defaultSite } from '../mesh/site.ts'
import { parseCount, parseDuration, parseHostPort, parseMultiaddr, parseRate } from './values.ts'
import type { UnlockedKey } from '../../admin/keys.ts'
import type { CliIo } from './io.ts'

/** @default ./data: a first `npm start` keeps everything inside the checkout. */
export const DEFAULT_DATA_DIR = 'data'

const spec = {
  name: 'patchmesh node start',
  help: `Usage: patchmesh node start [options]

Runs a node: joins the mesh, scans this computer at start, daily (jittered) and whenever the
inventory changes, gossips its status, keeps the whole fleet's status in its database, and serves
the web report and JSON API.

Options:
  --data DIR              data folder: database and node key (default: $PATCHMESH_DATA or ./${DEFAULT_DATA_DIR})
  --http HOST:PORT        where to serve reports and /api/v1/ (default: ${DEFAULT_HTTP_HOST}:${DEFAULT_HTTP_PORT}; port 0 picks a free one)
  --catalog FILE          import this catalog at start (it must be newer than the one held);
                          with none held and none given, the example catalog is used
  --dpkg-status FILE      dpkg status file (default: /var/lib/dpkg/status)
  --os-release FILE       os-release file (default: /etc/os-release)
  --inventory FILE        read an inventory XML document instead of the package manager
  --rpm                   read the rpm database
  --scan-interval DUR     time between scheduled scans, e.g. 24h, 30m (default: 24h, plus up to 1h jitter)
  --mesh FILE             the mesh file to join (from "patchmesh admin init"); without it the node
                          makes a one-node mesh of its own
  --listen MULTIADDR      where to accept peers, repeatable (default: /ip4/0.0.0.0/tcp/4001)
  --bootstrap MULTIADDR   a peer to dial (with /p2p/ID), repeatable, besides the mesh file's
  --catalog-source DIR|URL
                          make this node the catalog-sync computer: look at this folder of catalog
                          files (or URL) hourly and publish each newer catalog to the mesh
  --catalog-signer-key FILE
                          the catalog-signer key that signs what --catalog-source finds
  --catalog-interval DUR  time between looks at the catalog source (default: 1h)
  --passphrase-file FILE  the signer key's passphrase (first line); otherwise $PATCHMESH_PASSPHRASE
  --site NAME             this computer's site (branch office): peers of one site share each
                          download so it crosses the WAN once (default: the LAN's network, e.g.
                          lan-10.1.20.0/24)
  --tag TAG               a tag packages may target this computer by (e.g. server), repeatable
  --upload-limit RATE     most bandwidth used to serve peers, e.g. 20mbit or 5MB (default: none)
  --download-limit RATE   most bandwidth used to fetch from peers (default: none)
  --wan-limit RATE        most bandwidth to and from peers of other sites (default: none)
  --upload-slots N        peers served at once (default: ${DEFAULT_UPLOAD_SLOTS})
  --copies-per-site N     complete copies of every live package file this computer's site keeps;
                          when a keeper goes stale (--stale-after) the next site-mate fetches one
                          (default: ${DEFAULT_COPIES_PER_SITE}; 0 turns it off)
  --no-mdns               do not look for peers on the LAN with multicast DNS
  --sync-interval DUR     time between anti-entropy rounds with a random peer (default: 10s)
  --stale-after DUR       mark computers silent for this long as stale in the reports (default: 3d)
  --log-level LEVEL       trace, debug, info, warn, error (default: info, or $PATCHMESH_LOG_LEVEL)
  -h, --help              show this help

Stops cleanly on SIGINT or SIGTERM.`,
  options: {
    data: { type: 'string' },
    http: { type: 'string' },
    catalog: { type: 'string' },
    'dpkg-status': { type: 'string' },
    'os-release': { type: 'string' },
    inventory: { type: 'string' },
    rpm: { type: 'boolean' },
    'scan-interval': { type: 'string' },
    mesh: { type: 'string' },
    listen: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    site: { type: 'string' },
    'catalog-source': { type: 'string' },
    'catalog-signer-key': { type: 'string' },
    'catalog-interval': { type: 'string' },
    'passphrase-file': { type: 'string' },
    tag: { type: 'string', multiple: true },
    'upload-limit': { type: 'string' },
    'download-limit': { type: 'string' },
    'wan-limit': { type: 'string' },
    'upload-slots': { type: 'string' },
    'copies-per-site': { type: 'string' },
    'no-mdns': { type: 'boolean' },
    'sync-interval': { type: 'string' },
    'stale-after': { type: 'string' },
    'log-level': { type: 'string' }
  }
} as const

/** A bound for typing mistakes only: more copies than a site has members means every member keeps one. */
const MAX_COPIES_PER_SITE = 10_000

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

/** `patchmesh node start`: runs a node until the CLI's signal aborts. */
export async function nodeStartCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(spec, argv)
  if (help) {
    io.out(spec.help)
    return 0
  }
  const level = values['log-level']
  if (level != null && !LOG_LEVELS.includes(level)) throw usageError(spec.name, `--log-level "${level}" is not one of ${LOG_LEVELS.join(', ')}`)
  const logger = createLogger({ level })
  const rate = (option: 'upload-limit' | 'download-limit' | 'wan-limit'): number | undefined => {
    const text = values[option]
    return text == null ? undefined : parseRate(spec.name, option, text)
  }
  const node = new PatchmeshNode({
    catalogSource: await catalogSource(values, io),
    dataDir: resolve(values.data ?? process.env.PATCHMESH_DATA ?? DEFAULT_DATA_DIR),
    logger,
    catalogFile: values.catalog,
    inventory: { inventoryFile: values.inventory, dpkgStatus: values['dpkg-status'], osRelease: values['os-release'], rpm: values.rpm },
    http: values.http == null ? undefined : parseHostPort(spec.name, 'http', values.http),
    scanIntervalMs: values['scan-interval'] == null ? undefined : parseDuration(spec.name, 'scan-interval', values['scan-interval']),
    meshFile: values.mesh,
    listen: values.listen?.map(address => parseMultiaddr(spec.name, 'listen', address)),
    bootstrap: values.bootstrap?.map(address => parseMultiaddr(spec.name, 'bootstrap', address)),
    site: values.site ?? defaultSite(),
    tags: values.tag,
    blobs: {
      uploadBytesPerSecond: rate('upload-limit'),
      downloadBytesPerSecond: rate('download-limit'),
      siteExitBytesPerSecond: rate('wan-limit'),
      uploadSlots: values['upload-slots'] == null ? undefined : parseCount(spec.name, 'upload-slots', values['upload-slots'], 1, 1000)
    },
    mdns: values['no-mdns'] !== true,
    syncIntervalMs: values['sync-interval'] == null ? undefined : parseDuration(spec.name, 'sync-interval', values['sync-interval']),
    staleAfterMs: values['stale-after'] == null ? undefined : parseDuration(spec.name, 'stale-after', values['stale-after']),
    copiesPerSite: values['copies-per-site'] == null ? undefined : parseCount(spec.name, 'copies-per-site', values['copies-per-site'], 0, MAX_COPIES_PER_SITE)
  })
  await node.start()
  // What this start compiled goes into the compile cache now, not only at a clean exit: a node that
  // is killed or loses power still finds it at its next start (see patchmesh.js).
  flushCompileCache()
  if (!io.signal.aborted) await once(io.signal, 'abort')
  logger.info('stopping')
  await node.stop()
  logger.info('node stopped')
  return 0
}

/** The catalog-sync settings: a source needs a signer key, whose passphrase comes from a file or the environment (a service has no terminal). */
async function catalogSource (values: { 'catalog-source'?: string, 'catalog-signer-key'?: string, 'catalog-interval'?: string, 'passphrase-file'?: string }, io: CliIo): Promise<{ source: string, key: UnlockedKey, intervalMs?: number } | undefined> {
  const source = values['catalog-source']
  const keyFile = values['catalog-signer-key']
  if (source == null) {
    if (keyFile != null) throw usageError(spec.name, '--catalog-signer-key is only used with --catalog-source')
    return undefined
  }
  if (keyFile == null) throw usageError(spec.name, '--catalog-source needs --catalog-signer-key FILE to sign what it publishes')
  const passphrase = await getPassphrase({ purpose: keyFile, file: values['passphrase-file'], signal: io.signal })
  const key = await readKeyFile(keyFile, passphrase)
  if (key.role !== 'catalog-signer') throw usageError(spec.name, `--catalog-signer-key ${keyFile} is an ${key.role} key; expected the catalog-signer key`)
  const interval = values['catalog-interval']
  return { source, key, intervalMs: interval == null ? undefined : parseDuration(spec.name, 'catalog-interval', interval) }
}
