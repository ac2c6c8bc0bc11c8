import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, RUNTIME_FILE } from '../agent.ts'
import { NodeError } from '../errors.ts'
import { CONTROL_TOKEN_FILE, readControlToken } from '../http/control-token.ts'
import { DEFAULT_DATA_DIR } from './node-command.ts'

/** @default 10 s: a local node answers in milliseconds; longer means it is stuck. */
export const DEFAULT_NODE_REQUEST_TIMEOUT_MS = 10_000

/** The data folder the CLI means: --data, else $PATCHMESH_DATA, else ./data. */
export function dataFolder (explicit: string | undefined): string {
  return resolve(explicit ?? process.env.PATCHMESH_DATA ?? DEFAULT_DATA_DIR)
}

/** The URL of the node to talk to: --node, else the running node's runtime file in the data folder, else the default address. */
export async function nodeUrl (explicit: string | undefined, dataDir: string | undefined): Promise<string> {
  if (explicit != null) return explicit.replace(/\/+$/, '')
  try {
    const runtime = JSON.parse(await readFile(join(dataFolder(dataDir), RUNTIME_FILE), 'utf8')) as { url?: unknown }
    if (typeof runtime.url === 'string') return runtime.url
  } catch {
    // No running node recorded there: fall back to the default address.
  }
  return `http://${DEFAULT_HTTP_HOST}:${DEFAULT_HTTP_PORT}`
}

/** How to reach a node's control interface: its URL and the token from its data folder. */
export interface ControlTarget {
  url: string
  token: string
}

/** Finds the local node and its control token (--token-file, else the data folder's). */
export async function controlTarget (options: { node?: string, data?: string, tokenFile?: string }): Promise<ControlTarget> {
  const url = await nodeUrl(options.node, options.data)
  const token = await readControlToken(options.tokenFile ?? join(dataFolder(options.data), CONTROL_TOKEN_FILE))
  return { url, token }
}

/** GETs a JSON resource from a node; an unreachable node or an error answer is a NodeError that says which. */
export async function getFromNode<T> (base: string, path: string, signal?: AbortSignal): Promise<T> {
  return await requestNode<T>(base, path, { method: 'GET' }, signal)
}

/** Sends a control request (with the token) and returns the JSON answer; a refusal is ERR_REFUSED with the node's reason. */
export async function sendToNode<T> (
  target: ControlTarget, method: 'POST' | 'PUT' | 'DELETE', path: string, body: Uint8Array | string | ReadableStream | undefined,
  signal?: AbortSignal, timeoutMs = DEFAULT_NODE_REQUEST_TIMEOUT_MS, headers: Record<string, string> = {}
): Promise<T> {
  const streamed = body instanceof ReadableStream
  return await requestNode<T>(target.url, path, {
    method,
    body: body as BodyInit | undefined,
    // A streamed body (a large file) goes out as it is read.
    ...(streamed ? { duplex: 'half' } : {}),
    headers: { authorization: `Bearer ${target.token}`, 'content-type': typeof body === 'string' ? 'application/json' : 'application/octet-stream', ...headers }
  }, signal, timeoutMs)
}

async function requestNode<T> (base: string, path: string, init: RequestInit, signal: AbortSignal | undefined, timeoutMs = DEFAULT_NODE_REQUEST_TIMEOUT_MS): Promise<T> {
  const timeout = AbortSignal.timeout(timeoutMs)
  let response: Response
  try {
    response = await fetch(`${base}${path}`, { ...init, signal: signal == null ? timeout : AbortSignal.any([signal, timeout]) })
  } catch (err) {
    throw new NodeError('ERR_NODE_UNREACHABLE', `no patchmesh node answers at ${base} (is one running? start it with "patchmesh node start", or give --node URL)`, { cause: err })
  }
  const body = await response.json().catch(() => undefined) as { error?: { code?: string, message?: string } } | undefined
  if (!response.ok) {
    const reason = body?.error?.message ?? response.statusText
    // 4xx other than a missing route means the node understood and refused what we sent.
    if (response.status >= 400 && response.status < 500 && response.status !== 404) {
      throw new NodeError(response.status === 403 ? 'ERR_CONTROL_TOKEN' : 'ERR_REFUSED', `the node refused: ${reason}`)
    }
    throw new NodeError('ERR_NODE_UNREACHABLE', `${base}${path} answered ${response.status}: ${reason}`)
  }
  return body as T
}
