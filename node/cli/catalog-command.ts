import { announceCatalog } from '../../admin/catalog-announce.ts'
import { readKeyFile } from '../../admin/keys.ts'
import { parseCatalog } from '../../protocol/catalog.ts'
import { readCatalogFile } from '../scan/catalog-store.ts'
import { parseCommand, usageError } from './args.ts'
import { controlTarget, getFromNode, sendToNode } from './node-client.ts'
import { PASSPHRASE_ENV, getPassphrase } from './passphrase.ts'
import type { StoredBlob } from '../../admin/catalog-announce.ts'
import type { AdminOutcome } from '../admin-docs/admin-documents.ts'
import type { CliIo } from './io.ts'

/** Uploading a large catalog to the local node and hashing it takes a while; a stuck node still ends. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000

const spec = {
  name: 'patchmesh admin catalog publish',
  help: `Usage: patchmesh admin catalog publish FILE --key KEY-FILE [options]

Signs a security catalog with a catalog-signer key and publishes it through the node running on
this computer: the node stores the catalog as a content-addressed blob and announces it to the
mesh; every node fetches it from its peers, verifies it, takes it into use and rescans. The
catalog must be newer than the one the mesh holds (its version only grows).

Options:
  --key FILE                the catalog-signer key (catalog-signer.key from "patchmesh admin init")
  --passphrase-file FILE    read the key's passphrase from the first line of FILE; otherwise from
                            $${PASSPHRASE_ENV}, otherwise asked on the terminal
  --data DIR                the local node's data folder, for its address and control token
                            (default: $PATCHMESH_DATA or ./data)
  --node URL                the node's HTTP address, when not the one recorded in --data
  --token-file FILE         the node's control token, when not in --data
  --json                    print { catalog, blob, outcome } as JSON
  -h, --help                show this help

Exit codes: 0 published, 1 failure, 2 bad input (a malformed catalog, a wrong key or passphrase,
or a catalog the node refuses, e.g. not newer than the one held).`,
  options: {
    key: { type: 'string' },
    'passphrase-file': { type: 'string' },
    data: { type: 'string' },
    node: { type: 'string' },
    'token-file': { type: 'string' },
    json: { type: 'boolean' }
  },
  positionals: { min: 1, max: 1 }
} as const

/** `patchmesh admin catalog publish`: sign a catalog and publish it through the local node. */
export async function catalogPublishCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(spec, argv)
  if (help) {
    io.out(spec.help)
    return 0
  }
  if (values.key == null) throw usageError(spec.name, '--key KEY-FILE is required (the catalog-signer key)')
  const path = positionals[0] as string
  // Checked here first, so a malformed catalog never reaches the node or costs a passphrase.
  const bytes = await readCatalogFile(path, io.signal)
  const catalog = parseCatalog(bytes, { source: path })
  const target = await controlTarget({ node: values.node, data: values.data, tokenFile: values['token-file'] })
  const { mesh } = await getFromNode<{ mesh: string }>(target.url, '/api/v1/node', io.signal)
  const passphrase = await getPassphrase({ purpose: values.key, file: values['passphrase-file'], signal: io.signal })
  const key = await readKeyFile(values.key, passphrase)
  const blob = await sendToNode<StoredBlob>(target, 'PUT', '/api/v1/control/blobs', bytes, io.signal, UPLOAD_TIMEOUT_MS)
  const message = announceCatalog(catalog, blob, mesh, key)
  const { outcome } = await sendToNode<{ outcome: AdminOutcome }>(target, 'POST', '/api/v1/control/admin-documents', message, io.signal)
  if (values.json === true) {
    io.out(JSON.stringify({ catalog: { id: catalog.id, version: catalog.version, patches: catalog.patches.length }, blob, outcome }, null, 2))
  } else {
    const news = outcome.result === 'stored' ? 'published' : 'already published'
    io.out(`Catalog ${catalog.id} version ${catalog.version} (${catalog.patches.length} patches) ${news} to mesh "${mesh}" as blob ${blob.blobId}, signed by ${key.keyId}.\n` +
      'Nodes fetch it from their peers, verify it and rescan; "patchmesh status" shows the catalog version each computer scanned with.')
  }
  return 0
}
