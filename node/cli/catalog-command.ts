import { announceCatalog } from '../../admin/catalog-announce.ts'
import { parseCatalog } from '../../protocol/catalog.ts'
import { readCatalogFile } from '../scan/catalog-store.ts'
import { parseCommand } from './args.ts'
import { getFromNode, sendToNode } from './node-client.ts'
import { SIGNING_OPTIONS, postAdminMessage, requireKey, signingOptionsHelp, signingTarget, unlockKey } from './signing.ts'
import type { StoredBlob } from '../../admin/catalog-announce.ts'
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
${signingOptionsHelp('the catalog-signer key (catalog-signer.key from "patchmesh admin init")')}
  --json                    print { catalog, blob, outcome } as JSON
  -h, --help                show this help

Exit codes: 0 published, 1 failure, 2 bad input (a malformed catalog, a wrong key or passphrase,
or a catalog the node refuses, e.g. not newer than the one held).`,
  options: {
    ...SIGNING_OPTIONS,
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
  const keyFile = requireKey(spec.name, values, 'the catalog-signer key')
  const path = positionals[0] as string
  // Checked here first, so a malformed catalog never reaches the node or costs a passphrase.
  const bytes = await readCatalogFile(path, io.signal)
  const catalog = parseCatalog(bytes, { source: path })
  const target = await signingTarget(values)
  const { mesh } = await getFromNode<{ mesh: string }>(target.url, '/api/v1/node', io.signal)
  const key = await unlockKey(keyFile, values, io.signal)
  const blob = await sendToNode<StoredBlob>(target, 'PUT', '/api/v1/control/blobs', bytes, io.signal, UPLOAD_TIMEOUT_MS)
  const outcome = await postAdminMessage(target, announceCatalog(catalog, blob, mesh, key), io.signal)
  if (values.json === true) {
    io.out(JSON.stringify({ catalog: { id: catalog.id, version: catalog.version, patches: catalog.patches.length }, blob, outcome }, null, 2))
  } else {
    const news = outcome.result === 'stored' ? 'published' : 'already published'
    io.out(`Catalog ${catalog.id} version ${catalog.version} (${catalog.patches.length} patches) ${news} to mesh "${mesh}" as blob ${blob.blobId}, signed by ${key.keyId}.\n` +
      'Nodes fetch it from their peers, verify it and rescan; "patchmesh status" shows the catalog version each computer scanned with.')
  }
  return 0
}
