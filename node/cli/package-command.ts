import { PackageError } from '../../admin/package-errors.ts'
import { parseCommand } from './args.ts'
import { nodeUrl } from './node-client.ts'
import { CONTROL_OPTIONS, controlOptionsHelp, changePackage, helpOf, listPackages, packagePath, printView } from './package-options.ts'
import { signingTarget } from './signing.ts'
import { renderPackageList } from './package-render.ts'
import type { CliIo } from './io.ts'

const FLOW = `A package goes: create → add patches → set target and times → sign (each admin, at any node)
→ publish. Every change makes the next manifest version; nodes install only manifests signed by
as many admins as the mesh file requires.`

const createSpec = {
  name: 'patchmesh admin package create',
  help: `Usage: patchmesh admin package create NAME [options]

Starts a package draft at the local node. NAME is 1 to 128 letters, digits, dots, dashes or
underscores. It targets every computer, is available as soon as it is published and has a deadline
7 days later until "patchmesh admin package set" says otherwise.

${FLOW}

Options:
${controlOptionsHelp()}`,
  options: CONTROL_OPTIONS,
  positionals: { min: 1, max: 1 }
} as const

const removeSpec = {
  name: 'patchmesh admin package remove',
  help: `Usage: patchmesh admin package remove NAME PATCH-ID [options]

Takes a patch out of a package. A patch that was in a manifest already is retracted: the next
version lists it as <Retracted>, and nodes that receive that version stop installing it (sign and
publish the new version for that to happen).

Options:
${controlOptionsHelp()}`,
  options: CONTROL_OPTIONS,
  positionals: { min: 2, max: 2 }
} as const

const showSpec = {
  name: 'patchmesh admin package show',
  help: `Usage: patchmesh admin package show [NAME] [options]

Shows a package as the node holds it: the draft (its patches, target and deployment), the version
the mesh holds, pending or accepted with its signers, and recent refusals of its manifests. Without
NAME, lists every package.

Options:
  --node URL                the node to ask (default: the node running on --data)
  --data DIR                the local node's data folder (default: $PATCHMESH_DATA or ./data)
  --json                    print the node's /api/v1/packages[/NAME] answer
  -h, --help                show this help`,
  options: { node: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 0, max: 1 }
} as const

/** `patchmesh admin package create NAME`. */
export async function packageCreateCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(createSpec, argv)
  if (help) return helpOf(io, createSpec.help)
  const name = positionals[0] as string
  const view = await changePackage(await signingTarget(values), 'POST', '/api/v1/control/packages', { name }, io.signal)
  printView(io, view, values.json, `Created package ${name}. Add patches with "patchmesh admin package add ${name} PATCH-ID --file FILE".`)
  return 0
}

/** `patchmesh admin package remove NAME PATCH-ID`. */
export async function packageRemoveCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(removeSpec, argv)
  if (help) return helpOf(io, removeSpec.help)
  const [name, id] = positionals as [string, string]
  const view = await changePackage(await signingTarget(values), 'DELETE', packagePath(name, 'patches', id), undefined, io.signal)
  const retracted = view.draft?.retracted.includes(id) === true
  printView(io, view, values.json, retracted ? `Patch ${id} is retracted in the next version of ${name}: sign and publish it so nodes stop installing it.` : `Removed patch ${id} from ${name}.`)
  return 0
}

/** `patchmesh admin package show [NAME]`. */
export async function packageShowCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(showSpec, argv)
  if (help) return helpOf(io, showSpec.help)
  const packages = await listPackages(await nodeUrl(values.node, values.data), io.signal)
  const name = positionals[0]
  if (name == null) {
    io.out(values.json === true ? JSON.stringify({ packages }, null, 2) : renderPackageList(packages, io.columns))
    return 0
  }
  // Found in the list rather than at /api/v1/packages/NAME: the client reads a 404 as an unreachable node.
  const view = packages.find(p => p.name === name)
  if (view == null) throw new PackageError('ERR_NO_SUCH_PACKAGE', `the node knows no package named ${name}${packages.length === 0 ? '' : `; it knows ${packages.map(p => p.name).join(', ')}`}`)
  printView(io, view, values.json)
  return 0
}
