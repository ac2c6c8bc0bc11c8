import { lstat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { AdminError } from '../../admin/errors.ts'
import { MESH_FILE_NAME, createMesh } from '../../admin/mesh-init.ts'
import { MESH_NAME, bootstrapAddressProblem } from '../../protocol/mesh-file.ts'
import { MAX_SIGNATURES } from '../../protocol/signatures.ts'
import { parseCommand, usageError } from './args.ts'
import { PASSPHRASE_ENV, getPassphrase } from './passphrase.ts'
import { renderTable } from './table.ts'
import type { CreatedMesh } from '../../admin/mesh-init.ts'
import type { CliIo } from './io.ts'

/** More admin keys than this is a typo, not a mesh. */
const MAX_ADMINS = 100

const initSpec = {
  name: 'patchmesh admin init',
  help: `Usage: patchmesh admin init --mesh-name NAME --out DIR [options]

Creates a new mesh: its admin keys, a catalog-signer key and the mesh file (the trust root every
node gets a copy of). Writes into DIR, creating it if needed:
  admin-1.key … admin-N.key   admin keys; packages need the signatures of THRESHOLD of them
  catalog-signer.key          signs security catalogs
  mesh.xml                    mesh name, public keys, threshold, bootstrap addresses
Keys are encrypted with the passphrase (scrypt + AES-256-GCM) and readable by their owner only.
Every key gets the same passphrase: give each admin their own key file. Refuses to run when DIR
already holds any of these files; nothing is overwritten and nothing is left half-written.

Options:
  --mesh-name NAME          lower-case letters, digits and dashes, e.g. acme (required)
  --out DIR                 folder to write into (required)
  --admins N                how many admin keys (default 1)
  --threshold K             admin signatures a package needs, 1 to N (default 1)
  --bootstrap MULTIADDR     a node to contact first, ending in /p2p/PEER-ID; repeatable
  --passphrase-file FILE    read the passphrase from the first line of FILE; otherwise from
                            $${PASSPHRASE_ENV}, otherwise asked twice on the terminal
  --json                    print one JSON object: { mesh, meshFile, threshold, admins[], catalogSigner }
  -h, --help                show this help

Exit codes: 0 created, 1 failure, 2 bad usage or bad input (nothing written).`,
  options: {
    'mesh-name': { type: 'string' },
    out: { type: 'string' },
    admins: { type: 'string' },
    threshold: { type: 'string' },
    bootstrap: { type: 'string', multiple: true },
    'passphrase-file': { type: 'string' },
    json: { type: 'boolean' }
  }
} as const

/** `patchmesh admin init`: creates a mesh's keys and mesh file. */
export async function adminInitCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(initSpec, argv)
  if (help) {
    io.out(initSpec.help)
    return 0
  }
  const command = initSpec.name
  const name = values['mesh-name']
  if (name === undefined) throw usageError(command, '--mesh-name NAME is required')
  if (!MESH_NAME.test(name)) throw usageError(command, `--mesh-name "${name}" is not a mesh name; expected 1 to 63 lower-case letters, digits or dashes, starting with a letter or digit`)
  if (values.out === undefined) throw usageError(command, '--out DIR is required')
  const admins = count(command, 'admins', values.admins, 1, MAX_ADMINS) ?? 1
  const threshold = count(command, 'threshold', values.threshold, 1, Math.min(admins, MAX_SIGNATURES), ' (at most --admins)') ?? 1
  const bootstrap = values.bootstrap ?? []
  for (const address of bootstrap) {
    const problem = bootstrapAddressProblem(address)
    if (problem !== undefined) throw usageError(command, `--bootstrap "${address}": ${problem}; expected e.g. /ip4/192.0.2.1/tcp/4001/p2p/12D3KooW…`)
  }
  const dir = resolve(values.out)
  // Checked here too so nobody types a passphrase twice only to be told the folder is taken.
  const meshFile = join(dir, MESH_FILE_NAME)
  if (await lstat(meshFile).then(() => true, () => false)) {
    throw new AdminError('ERR_EXISTS', `${meshFile} already exists; refusing to overwrite a mesh (nothing was written)`)
  }
  const passphrase = await getPassphrase({ purpose: 'the new keys', file: values['passphrase-file'], confirm: true, signal: io.signal })
  const created = await createMesh({ name, dir, admins, threshold, bootstrap, passphrase })
  io.out(values.json === true ? JSON.stringify(summary(created), null, 2) : render(created, io.columns))
  return 0
}

function count (command: string, option: string, text: string | undefined, min: number, max: number, hint = ''): number | undefined {
  if (text === undefined) return undefined
  const value = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN
  if (!(value >= min && value <= max)) throw usageError(command, `--${option} "${text}" is not an integer from ${min} to ${max}${hint}`)
  return value
}

function summary (created: CreatedMesh): object {
  const { mesh } = created
  return {
    mesh: { name: mesh.name, version: mesh.version, created: mesh.created, bootstrap: mesh.bootstrap },
    meshFile: created.meshFile,
    threshold: mesh.admins.threshold,
    admins: created.admins.map(key => ({ path: key.path, keyId: key.keyId })),
    catalogSigner: { path: created.catalogSigner.path, keyId: created.catalogSigner.keyId }
  }
}

function render (created: CreatedMesh, width?: number): string {
  const { mesh } = created
  const rows = [
    ...created.admins.map(key => ['admin key', key.keyId, key.path]),
    ['catalog-signer key', created.catalogSigner.keyId, created.catalogSigner.path],
    ['mesh file', '', created.meshFile]
  ]
  return `Created mesh "${mesh.name}": packages need ${mesh.admins.threshold} of ${created.admins.length} admin signature${created.admins.length === 1 ? '' : 's'}, ` +
    `${mesh.bootstrap.length} bootstrap address${mesh.bootstrap.length === 1 ? '' : 'es'}.\n\n` +
    renderTable(['FILE', 'KEY ID', 'PATH'], rows, { width }) +
    '\n\nGive each admin their key file and keep the passphrase safe: the keys cannot be recovered without it.\n' +
    `Copy ${MESH_FILE_NAME} to every node of the mesh.`
}
