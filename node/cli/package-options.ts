import { getFromNode, sendToNode } from './node-client.ts'
import { renderPackage } from './package-render.ts'
import type { CliIo } from './io.ts'
import type { ControlTarget } from './node-client.ts'
import type { PackageView } from '../packages/package-view.ts'

/** Options every package command takes to find the node's control interface. */
export const CONTROL_OPTIONS = {
  data: { type: 'string' },
  node: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean' }
} as const

/** Help lines for CONTROL_OPTIONS; `json` says what --json prints. */
export function controlOptionsHelp (json = 'the package as the node\'s /api/v1/packages/NAME shows it'): string {
  return `  --data DIR                the local node's data folder, for its address and control token
                            (default: $PATCHMESH_DATA or ./data)
  --node URL                the node's HTTP address, when not the one recorded in --data
  --token-file FILE         the node's control token, when not in --data
  --json                    print ${json}
  -h, --help                show this help`
}

/** The control path of a package, with an optional sub-path. */
export function packagePath (name: string, ...rest: string[]): string {
  return ['/api/v1/control/packages', name, ...rest].map((part, i) => i === 0 ? part : encodeURIComponent(part)).join('/')
}

/** Sends a change to a package and returns the node's view of it afterwards. */
export async function changePackage (target: ControlTarget, method: 'POST' | 'DELETE', path: string, body: object | undefined, signal: AbortSignal): Promise<PackageView> {
  return await sendToNode<PackageView>(target, method, path, body == null ? undefined : JSON.stringify(body), signal)
}

/** Every package the node knows (drafts and held manifests). */
export async function listPackages (url: string, signal: AbortSignal): Promise<PackageView[]> {
  return (await getFromNode<{ packages: PackageView[] }>(url, '/api/v1/packages', signal)).packages
}

/** Prints a package after a change: the JSON view, or a line saying what happened and the package. */
export function printView (io: CliIo, view: PackageView, json: boolean | undefined, headline?: string): void {
  if (json === true) io.out(JSON.stringify(view, null, 2))
  else io.out((headline == null ? '' : headline + '\n\n') + renderPackage(view, io.columns))
}

/** Prints a command's help; exit code 0. */
export function helpOf (io: CliIo, text: string): number {
  io.out(text)
  return 0
}
