import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, RUNTIME_FILE } from '../agent.ts'
import { NodeError } from '../errors.ts'
import { DEFAULT_DATA_DIR } from './node-command.ts'

/** @default 10 s: a local node answers in milliseconds; longer means it is stuck. */
export const DEFAULT_NODE_REQUEST_TIMEOUT_MS = 10_000

/** The URL of the node to talk to: --node, else the running node's runtime file in the data folder, else the default address. */
export async function nodeUrl (explicit: string | undefined, dataDir: string | undefined): Promise<string> {
  if (explicit != null) return explicit.replace(/\/+$/, '')
  const dir = resolve(dataDir ?? process.env.PATCHMESH_DATA ?? DEFAULT_DATA_DIR)
  try {
    const runtime = JSON.parse(await readFile(join(dir, RUNTIME_FILE), 'utf8')) as { url?: unknown }
    if (typeof runtime.url === 'string') return runtime.url
  } catch {
    // No running node recorded there: fall back to the default address.
  }
  return `http://${DEFAULT_HTTP_HOST}:${DEFAULT_HTTP_PORT}`
}

/** GETs a JSON resource from a node; an unreachable node or an error answer is a NodeError that says which. */
export async function getFromNode<T> (base: string, path: string, signal?: AbortSignal): Promise<T> {
  const timeout = AbortSignal.timeout(DEFAULT_NODE_REQUEST_TIMEOUT_MS)
  let response: Response
  try {
    response = await fetch(`${base}${path}`, { signal: signal == null ? timeout : AbortSignal.any([signal, timeout]) })
  } catch (err) {
    throw new NodeError('ERR_NODE_UNREACHABLE', `no patchmesh node answers at ${base} (is one running? start it with "patchmesh node start", or give --node URL)`, { cause: err })
  }
  const body = await response.json().catch(() => undefined) as { error?: { message?: string } } | undefined
  if (!response.ok) {
    throw new NodeError('ERR_NODE_UNREACHABLE', `${base}${path} answered ${response.status}: ${body?.error?.message ?? response.statusText}`)
  }
  return body as T
}
