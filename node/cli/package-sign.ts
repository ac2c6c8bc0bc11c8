import { AdminError } from '../../admin/errors.ts'
import { frozenDocument } from '../../admin/package-draft.ts'
import { PackageError } from '../../admin/package-errors.ts'
import { encodeAdminMessage } from '../../protocol/admin-message.ts'
import { parsePackageManifest } from '../../protocol/package-manifest.ts'
import { signBytes } from '../../protocol/signatures.ts'
import { parseCommand } from './args.ts'
import { getFromNode, sendToNode } from './node-client.ts'
import { CONTROL_OPTIONS, controlOptionsHelp, helpOf, listPackages, packagePath, printView } from './package-options.ts'
import { signed } from './package-render.ts'
import { SIGNING_OPTIONS, postAdminMessage, requireKey, signingOptionsHelp, signingTarget, unlockKey } from './signing.ts'
import type { AdminOutcome } from '../admin-docs/admin-documents.ts'
import type { ManifestToSign } from '../http/package-api.ts'
import type { PackageView } from '../packages/package-view.ts'
import type { CliIo } from './io.ts'
import type { ControlTarget } from './node-client.ts'

const MODEL = `Signing and publishing are two steps. "sign" takes the exact bytes of the package's next
manifest version from the node (the node builds that version once the draft has changed, and keeps
those bytes, so every admin signs the same ones), signs them here with your admin key (the private
key never leaves this computer) and leaves the signature with the node. "publish" hands the manifest
with every signature collected at that node to the mesh. With fewer admin signatures than the mesh
file requires it is pending: it travels the mesh but is never installed, and an admin at any node
adds theirs with "sign" then "publish" there. Once enough admins signed, every node accepts it.`

const signSpec = {
  name: 'patchmesh admin package sign',
  help: `Usage: patchmesh admin package sign NAME --key KEY-FILE [options]

Signs the package's next manifest version (or the pending one the mesh holds, when this node has no
newer change of its own) with an admin key. Publish it afterwards.

${MODEL}

Options:
${signingOptionsHelp('your admin key (admin-N.key from "patchmesh admin init")')}
  --json                    print the package as the node's /api/v1/packages/NAME shows it
  -h, --help                show this help`,
  options: { ...SIGNING_OPTIONS, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 }
} as const

const publishSpec = {
  name: 'patchmesh admin package publish',
  help: `Usage: patchmesh admin package publish NAME [options]

Publishes the package's signed manifest through the node: the node checks it as every node will
(mesh name, admin signatures, a version newer than the one held, not expired) and gossips it.

${MODEL}

Options:
${controlOptionsHelp('{ name, version, outcome }')}`,
  options: CONTROL_OPTIONS,
  positionals: { min: 1, max: 1 }
} as const

/** `patchmesh admin package sign NAME --key FILE`. */
export async function packageSignCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(signSpec, argv)
  if (help) return helpOf(io, signSpec.help)
  const keyFile = requireKey(signSpec.name, values, 'your admin key')
  const name = positionals[0] as string
  const target = await signingTarget(values)
  const { mesh } = await getFromNode<{ mesh: string }>(target.url, '/api/v1/node', io.signal)
  const toSign = await manifestToSign(target, name, io.signal)
  const { bytes } = frozenDocument(toSign)
  // What is signed is read here, not taken on the node's word.
  const manifest = parsePackageManifest(bytes, { source: `manifest of ${name} from ${target.url}` })
  if (manifest.mesh !== mesh || manifest.name !== name || manifest.version !== toSign.version) {
    throw new PackageError('ERR_SIGNATURE', `the node offered a manifest of ${manifest.name} version ${manifest.version} for mesh "${manifest.mesh}"; expected ${name} version ${toSign.version} for mesh "${mesh}"; nothing was signed`)
  }
  const key = await unlockKey(keyFile, values, io.signal)
  if (key.role !== 'admin') throw new AdminError('ERR_KEY_ROLE', `key ${key.keyId} is a ${key.role} key; packages are signed with admin keys (admin-N.key from "patchmesh admin init")`)
  const signature = Buffer.from(signBytes(bytes, key.key)).toString('base64')
  const view = await sendToNode<PackageView>(target, 'POST', packagePath(name, 'signatures'), JSON.stringify({ version: toSign.version, keyId: key.keyId, signature }), io.signal)
  printView(io, view, values.json, `Signed version ${toSign.version} of ${name} with key ${key.keyId}: ${signed(view.draft?.frozen?.signers ?? [], view.needed)} at this node. ` +
    `Publish it with "patchmesh admin package publish ${name}".`)
  return 0
}

/** `patchmesh admin package publish NAME`. */
export async function packagePublishCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(publishSpec, argv)
  if (help) return helpOf(io, publishSpec.help)
  const name = positionals[0] as string
  const target = await signingTarget(values)
  const toSign = await manifestToSign(target, name, io.signal)
  if (toSign.signatures.length === 0) {
    throw new PackageError('ERR_UNSIGNED', `version ${toSign.version} of ${name} has no signatures yet; sign it first with "patchmesh admin package sign ${name} --key FILE"`)
  }
  const message = encodeAdminMessage({ kind: 'package-manifest', document: frozenDocument(toSign) })
  const outcome = await postAdminMessage(target, message, io.signal)
  if (values.json === true) {
    io.out(JSON.stringify({ name, version: toSign.version, outcome }, null, 2))
    return 0
  }
  const view = (await listPackages(target.url, io.signal)).find(p => p.name === name)
  io.out(published(name, toSign.version, outcome, view?.manifest?.version === toSign.version ? view : undefined))
  return 0
}

async function manifestToSign (target: ControlTarget, name: string, signal: AbortSignal): Promise<ManifestToSign> {
  return await sendToNode<ManifestToSign>(target, 'POST', packagePath(name, 'manifest'), undefined, signal)
}

/** What publishing did, from the node's outcome and the state it now holds the version in. */
function published (name: string, version: number, outcome: AdminOutcome, view: PackageView | undefined): string {
  const head = `Version ${version} of ${name}`
  const held = view?.manifest
  const signers = held == null ? '' : `: ${signed(held.signers, view?.needed ?? null)}`
  if (outcome.result === 'known') return `${head} is already published with these signatures${signers}.`
  if (held?.state === 'pending') {
    return `${head} published, pending${signers}. It travels the mesh, but no node installs it until ` +
      `${view?.needed ?? 'enough'} admins signed; another admin adds theirs with "sign" and "publish" at any node.`
  }
  return `${head} published and accepted${signers}. Nodes it targets fetch its files and install it.`
}
