import { resolve } from 'node:path'
import { writeNewFile } from '../../admin/files.ts'
import { meshChanges, proposeMeshUpdate, readTrustedKey, signMeshUpdate } from '../../admin/mesh-update.ts'
import { MAX_MESH_FILE_BYTES, parseMeshFile, serializeMeshFile } from '../../protocol/mesh-file.ts'
import { MAX_SIGNATURES } from '../../protocol/signatures.ts'
import { meshFileOfView } from '../http/mesh-api.ts'
import { readInputFile } from '../read-input.ts'
import { parseCommand, usageError } from './args.ts'
import { renderChanges, renderMesh, renderSigned } from './mesh-render.ts'
import { getFromNode, nodeUrl } from './node-client.ts'
import { SIGNING_OPTIONS, postAdminMessage, requireKey, signingOptionsHelp, signingTarget, unlockKey } from './signing.ts'
import { parseCount } from './values.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { MeshView } from '../http/mesh-api.ts'
import type { CliIo } from './io.ts'
import type { SignedMeshUpdate } from './mesh-render.ts'

const proposeSpec = {
  name: 'patchmesh admin mesh propose',
  help: `Usage: patchmesh admin mesh propose --mesh FILE --out NEW-MESH-FILE CHANGE... [--json]

Writes the next version of a mesh file (the trust root): the same mesh with the changes asked for
and a version one higher. Nothing takes effect until enough admins of the mesh in force sign the
new file, each at any node: "patchmesh admin mesh sign NEW-MESH-FILE --key ADMIN-KEY". Removing a
lost or compromised admin key this way means its signatures no longer count anywhere.

Changes (each may be given several times, except --threshold):
  --add-admin KEY           an admin key file, or the public key "patchmesh admin key new" printed
  --remove-admin KEY-ID     an admin key to revoke
  --threshold K             admin signatures that packages and mesh updates need from then on
  --add-catalog-signer KEY  a catalog-signer key file or public key
  --remove-catalog-signer KEY-ID
  --add-bootstrap MULTIADDR a node to contact first, ending in /p2p/PEER-ID
  --remove-bootstrap MULTIADDR

Options:
  --mesh FILE               the mesh file in force (mesh.xml from "patchmesh admin init", or the last
                            accepted update) (required)
  --out FILE                the new mesh file to write; never overwritten (required)
  --json                    print { meshFile, name, version, threshold, changes[] }
  -h, --help                show this help

Exit codes: 0 written, 1 failure, 2 bad usage or a change that makes no sense (an unknown key id,
the last admin removed, a threshold above the admins left); nothing is written then.`,
  options: {
    mesh: { type: 'string' },
    out: { type: 'string' },
    'add-admin': { type: 'string', multiple: true },
    'remove-admin': { type: 'string', multiple: true },
    threshold: { type: 'string' },
    'add-catalog-signer': { type: 'string', multiple: true },
    'remove-catalog-signer': { type: 'string', multiple: true },
    'add-bootstrap': { type: 'string', multiple: true },
    'remove-bootstrap': { type: 'string', multiple: true },
    json: { type: 'boolean' }
  }
} as const

/** `patchmesh admin mesh propose`: the next version of the mesh file, for admins to sign. */
export async function meshProposeCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(proposeSpec, argv)
  if (help) return helpOf(io, proposeSpec.help)
  if (values.mesh === undefined) throw usageError(proposeSpec.name, '--mesh FILE is required (the mesh file in force)')
  if (values.out === undefined) throw usageError(proposeSpec.name, '--out NEW-MESH-FILE is required')
  const { mesh: current } = await readMeshFile(values.mesh, io.signal)
  const next = proposeMeshUpdate(current, {
    addAdmins: await Promise.all((values['add-admin'] ?? []).map(async key => await readTrustedKey(key, 'admin'))),
    removeAdmins: values['remove-admin'],
    threshold: values.threshold === undefined ? undefined : parseCount(proposeSpec.name, 'threshold', values.threshold, 1, MAX_SIGNATURES),
    addCatalogSigners: await Promise.all((values['add-catalog-signer'] ?? []).map(async key => await readTrustedKey(key, 'catalog-signer'))),
    removeCatalogSigners: values['remove-catalog-signer'],
    addBootstrap: values['add-bootstrap'],
    removeBootstrap: values['remove-bootstrap']
  })
  const path = resolve(values.out)
  await writeNewFile(path, serializeMeshFile(next), 0o644)
  const changes = meshChanges(current, next)
  io.out(values.json === true
    ? JSON.stringify({ meshFile: path, name: next.name, version: next.version, threshold: next.admins.threshold, changes }, null, 2)
    : `Wrote ${path}: mesh "${next.name}" version ${next.version}, changing version ${current.version}:\n${renderChanges(changes)}\n` +
      `It takes effect once ${current.admins.threshold} of the ${current.admins.keys.length} current admins sign it, each at any node:\n` +
      `  patchmesh admin mesh sign ${path} --key ADMIN-KEY`)
  return 0
}

const signSpec = {
  name: 'patchmesh admin mesh sign',
  help: `Usage: patchmesh admin mesh sign NEW-MESH-FILE --key ADMIN-KEY [options]

Signs the exact bytes of a new mesh file (from "patchmesh admin mesh propose") with one admin key
and hands the signed update to the node on this computer, which passes it to the whole mesh. Until
the threshold of the mesh in force is met the update is pending: every node holds it, and each
further admin's signature (given at any node, for the same file) is added to it. Once it is met,
every node puts the new mesh file in force; a removed admin's signatures stop counting.

Options:
${signingOptionsHelp('an admin key of the mesh in force')}
  --json                    print { name, version, state, signers, needed, changes, outcome }
  -h, --help                show this help

Exit codes: 0 signed (pending or accepted), 1 failure, 2 bad input (a malformed mesh file, a wrong
key or passphrase, or an update the node refuses: another mesh, an older version, another file
already proposed for this version, a key that is not an admin of the mesh in force).`,
  options: { ...SIGNING_OPTIONS, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 }
} as const

/** `patchmesh admin mesh sign`: one admin's signature on a mesh update, handed to the local node. */
export async function meshSignCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(signSpec, argv)
  if (help) return helpOf(io, signSpec.help)
  const keyFile = requireKey(signSpec.name, values, 'an admin key')
  const path = positionals[0] as string
  // Admins sign the exact bytes; they are parsed here only so a bad file costs no passphrase.
  const { bytes, mesh: proposed } = await readMeshFile(path, io.signal)
  const target = await signingTarget(values)
  const before = await getFromNode<MeshView>(target.url, '/api/v1/mesh', io.signal)
  const key = await unlockKey(keyFile, values, io.signal)
  const outcome = await postAdminMessage(target, signMeshUpdate(bytes, key), io.signal)
  const after = await getFromNode<MeshView>(target.url, '/api/v1/mesh', io.signal)
  const pending = after.pending?.version === proposed.version ? after.pending : null
  const signed: SignedMeshUpdate = {
    name: proposed.name,
    version: proposed.version,
    signer: key.keyId,
    state: (after.mesh?.version ?? 0) >= proposed.version ? 'accepted' : 'pending',
    signers: pending?.signers ?? [],
    needed: pending?.needed ?? before.mesh?.threshold ?? 0,
    changes: before.mesh == null ? [] : meshChanges(meshFileOfView(before.mesh), proposed),
    outcome
  }
  io.out(values.json === true ? JSON.stringify(signed, null, 2) : renderSigned(signed, path))
  return 0
}

const showSpec = {
  name: 'patchmesh admin mesh show',
  help: `Usage: patchmesh admin mesh show [options]

Shows the trust root in force at a node: the mesh file's version, the admin keys and the threshold
of admin signatures that packages and mesh updates need, the catalog-signer keys, the bootstrap
addresses, and any newer mesh update still waiting for admin signatures, with its changes.

Options:
  --data DIR                the local node's data folder, to find its address
                            (default: $PATCHMESH_DATA or ./data)
  --node URL                the node's HTTP address, when not the one recorded in --data
  --json                    print the node's /api/v1/mesh answer: { mesh, pending }
  -h, --help                show this help`,
  options: { data: { type: 'string' }, node: { type: 'string' }, json: { type: 'boolean' } }
} as const

/** `patchmesh admin mesh show`: the mesh file in force at the node and the pending update. */
export async function meshShowCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(showSpec, argv)
  if (help) return helpOf(io, showSpec.help)
  const url = await nodeUrl(values.node, values.data)
  const view = await getFromNode<MeshView>(url, '/api/v1/mesh', io.signal)
  io.out(values.json === true ? JSON.stringify(view, null, 2) : renderMesh(view, io.columns))
  return 0
}

/** A mesh file's exact bytes and what they say; FormatError (exit 2) naming the line for a bad one. */
async function readMeshFile (path: string, signal: AbortSignal): Promise<{ bytes: Uint8Array, mesh: MeshFile }> {
  const bytes = new Uint8Array(await readInputFile(path, 'mesh file', 'ERR_MESH_FILE', MAX_MESH_FILE_BYTES, signal))
  return { bytes, mesh: parseMeshFile(bytes, { source: path }) }
}

function helpOf (io: CliIo, text: string): number {
  io.out(text)
  return 0
}
