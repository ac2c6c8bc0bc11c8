// The new-catalog phase of the mesh benchmark: a newer catalog published through one node with
// `patchmesh admin catalog publish`, and when every node had verified and imported it.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runCli } from '../../../node/cli/main.ts'
import { smallCatalog } from '../../helpers/fixtures.ts'
import { watchFleetViews } from './fleet-view.ts'
import { getJson, laggards, watchNodes } from './wait.ts'
import type { BenchNode } from './nodes.ts'

/** The catalog id smallCatalog() writes, which every bench node starts with (version 1). */
const CATALOG_ID = 'test-catalog'

/** The part of /api/v1/node's `catalog` the benchmark reads: which catalog the node holds, and since when. */
interface HeldCatalog {
  id: string
  version: number
  /** Stamped by the node once the blob was fetched and verified and the catalog parsed, just before it is stored. */
  importedAt: string
}

/** One node's held catalog: /api/v1/node reads one database key, so polling it costs the node little. */
async function heldCatalog (node: BenchNode, signal: AbortSignal): Promise<HeldCatalog | null> {
  return (await getJson<{ catalog: HeldCatalog | null }>(`${node.url}/api/v1/node`, signal)).catalog
}

export interface CatalogRound {
  version: number
  /** Index of the node the catalog was published through. */
  publisher: number
  /** Publish invoked → returned (signing with the key, upload to the node, the node's verdict). */
  publishMs: number
  /**
   * Per node, publish invoked → the node's own importedAt (ms, wall clock, the same machine's): exact,
   * whatever the polling interval; undefined when the node did not hold it within the deadline.
   */
  importedMs: Array<number | undefined>
  /** Per node, publish invoked → the first poll that saw it: late by up to one poll interval, a cross-check of importedMs. */
  seenMs: Array<number | undefined>
  /** Publish invoked → every node's fleet view showing every computer rescanned with this catalog; undefined: not within the deadline. */
  rescannedMs?: number
  /** Nodes that never held it, and what they held instead. */
  missed: string
}

export interface CatalogRoundOptions {
  /** Where the catalog file is written. */
  dir: string
  /** catalog-signer.key from `patchmesh admin init`, and the file with its passphrase. */
  keyFile: string
  passphraseFile: string
  /** How often each node's held catalog is read. */
  pollMs: number
  /** How often each node's fleet view is read while waiting for the rescans. */
  fleetPollMs: number
  deadlineMs: number
  signal: AbortSignal
}

/**
 * Publishes catalog `version` through `publisher` the way an admin does, and watches every node until
 * it holds that version, then until every fleet view shows the whole fleet rescanned with it, so
 * that the next phase starts on a quiet mesh.
 */
export async function catalogRound (fleet: BenchNode[], publisher: BenchNode, version: number, options: CatalogRoundOptions): Promise<CatalogRound> {
  const { signal, deadlineMs } = options
  const file = join(options.dir, `catalog-v${version}.xml`)
  // The small test catalog (about 1 KB): the figure is about the mesh, not about parsing XML.
  await writeFile(file, smallCatalog(version))
  // Loaded before the clock starts: a CLI process loads the command's modules as it starts up, which
  // the figure leaves out (see the publish below). Loaded lazily here, they added about 0.8 s to the
  // first round's figure alone.
  await import('../../../node/cli/catalog-command.ts')
  const watching = new AbortController()
  const watchSignal = AbortSignal.any([signal, watching.signal])
  const invokedWall = Date.now()
  const invoked = performance.now()
  // Watched from before the publish: a node may import it before the publishing command has returned.
  const held = watchNodes(fleet, heldCatalog, c => c?.id === CATALOG_ID && c.version >= version, { t0: invoked, intervalMs: options.pollMs, deadline: invoked + deadlineMs, signal: watchSignal })
  held.catch(() => {}) // awaited below; this only keeps a publish failure from leaving it unhandled
  let publishMs: number
  try {
    const errors: string[] = []
    // In this process, as the bench runs `admin init`: the figure leaves out a CLI process's start-up, not the signing or the upload.
    const code = await runCli(['admin', 'catalog', 'publish', file, '--key', options.keyFile, '--passphrase-file', options.passphraseFile, '--data', publisher.dataDir],
      { out: () => {}, err: text => errors.push(text), signal })
    publishMs = performance.now() - invoked
    if (code !== 0) throw new Error(`admin catalog publish of version ${version} through node ${publisher.index} failed (${code}): ${errors.join('\n')}`)
  } catch (err) {
    watching.abort()
    throw err
  }
  const observations = await held
  const rescanned = await watchFleetViews(fleet, computers => computers.length === fleet.length && computers.every(c => c.catalog?.id === CATALOG_ID && c.catalog.version >= version),
    { t0: invoked, intervalMs: options.fleetPollMs, deadline: invoked + deadlineMs, signal })
  const rescannedAll = rescanned.every(o => o.ms !== undefined)
  return {
    version,
    publisher: publisher.index,
    publishMs,
    importedMs: observations.map(o => o.ms === undefined || o.last == null ? undefined : Date.parse(o.last.importedAt) - invokedWall),
    seenMs: observations.map(o => o.ms),
    rescannedMs: rescannedAll ? Math.max(...rescanned.map(o => o.ms as number)) : undefined,
    missed: laggards(observations, last => last == null ? 'no catalog' : `${last.id} version ${last.version}`)
  }
}
