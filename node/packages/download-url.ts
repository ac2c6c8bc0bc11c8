import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { PackageError } from '../../admin/package-errors.ts'
import { MAX_BLOB_SIZE } from '../../protocol/chunk-index.ts'
import type { Hash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'

/** @default 5 failed attempts in a row; an attempt that brought bytes resets the count. */
export const DEFAULT_MAX_RETRIES = 5
/** @default 1 s before the first retry, doubling up to MAX_RETRY_DELAY_MS. */
export const DEFAULT_RETRY_DELAY_MS = 1000
const MAX_RETRY_DELAY_MS = 30_000
/** @default 30 s without a byte: the link is gone even if the socket says nothing. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000

/** How far a download has got, for progress bars. */
export interface DownloadProgress {
  bytes: number
  /** From the server's Content-Length or Content-Range; undefined when it does not say. */
  total?: number
  /** 1 for the first request; a higher number is a retry. */
  attempt: number
}

export interface DownloadOptions {
  signal?: AbortSignal
  /** Expected sha256, hex; a different file is ERR_HASH_MISMATCH. */
  sha256?: string
  onProgress?: (progress: DownloadProgress) => void
  /** @default DEFAULT_MAX_RETRIES */
  maxRetries?: number
  /** @default DEFAULT_RETRY_DELAY_MS */
  retryDelayMs?: number
  /** @default DEFAULT_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number
  /** @default MAX_BLOB_SIZE: the largest file a blob can hold. */
  maxBytes?: number
}

export interface DownloadResult {
  size: number
  /** hex */
  sha256: string
  attempts: number
}

/** A failure worth another attempt: the link dropped, stalled, or the server was busy. */
class Retryable extends Error {}

/**
 * Downloads an http(s) URL to `path`. When the link drops or stalls it retries with backoff, asking
 * for the rest only (Range, with If-Range so a changed file starts over); gives up (ERR_DOWNLOAD)
 * after `maxRetries` failed attempts in a row or on an error answer; checks `sha256` when given.
 */
export async function downloadUrl (url: string, path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const protocol = URL.canParse(url) ? new URL(url).protocol : ''
  if (protocol !== 'http:' && protocol !== 'https:') throw new PackageError('ERR_BAD_SETTING', `"${url.slice(0, 200)}" is not an http or https URL`)
  const file = await open(path, 'w', 0o600)
  const state: Transfer = { url, file, hash: createHash('sha256'), received: 0, options, maxBytes: options.maxBytes ?? MAX_BLOB_SIZE }
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES
  let failures = 0
  let attempt = 0
  try {
    for (;;) {
      attempt++
      const before = state.received
      try {
        await fetchOnce(state, attempt)
        break
      } catch (err) {
        options.signal?.throwIfAborted()
        if (!(err instanceof Retryable)) throw err
        failures = state.received > before ? 1 : failures + 1
        if (failures > maxRetries) throw new PackageError('ERR_DOWNLOAD', `${url}: gave up after ${attempt} attempts (${failures} in a row without progress): ${err.message}`, { cause: err })
        const delay = Math.min(MAX_RETRY_DELAY_MS, (options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS) * 2 ** (failures - 1))
        await sleep(delay, undefined, { signal: options.signal })
      }
    }
  } finally {
    await file.close()
  }
  const sha256 = state.hash.digest('hex')
  if (options.sha256 != null && options.sha256.toLowerCase() !== sha256) {
    throw new PackageError('ERR_HASH_MISMATCH', `${url}: the downloaded file's sha256 is ${sha256}; expected ${options.sha256.toLowerCase()}`)
  }
  return { size: state.received, sha256, attempts: attempt }
}

interface Transfer {
  url: string
  file: FileHandle
  hash: Hash
  received: number
  total?: number
  /** ETag or Last-Modified of the first answer: a resumed answer must be of the same file. */
  validator?: string
  options: DownloadOptions
  maxBytes: number
}

/** One request: the whole file, or the rest of it after `received` bytes. */
async function fetchOnce (state: Transfer, attempt: number): Promise<void> {
  const { options } = state
  const stalled = new AbortController()
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
  let timer = setTimeout(() => { stalled.abort() }, idleMs)
  const touch = (): void => { clearTimeout(timer); timer = setTimeout(() => { stalled.abort() }, idleMs) }
  const signal = options.signal == null ? stalled.signal : AbortSignal.any([options.signal, stalled.signal])
  try {
    const headers: Record<string, string> = {}
    if (state.received > 0) {
      headers.range = `bytes=${state.received}-`
      if (state.validator != null) headers['if-range'] = state.validator
    }
    let response: Response
    try {
      response = await fetch(state.url, { headers, signal })
    } catch (err) {
      throw failure(err, stalled.signal, options.signal)
    }
    if (!response.ok) {
      await response.body?.cancel()
      const answer = `${state.url} answered ${response.status} ${response.statusText}`
      if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Retryable(answer)
      throw new PackageError('ERR_DOWNLOAD', answer)
    }
    await startAt(state, response)
    try {
      for await (const piece of response.body ?? []) {
        touch()
        const bytes = piece as Uint8Array
        if (state.received + bytes.byteLength > state.maxBytes) throw new PackageError('ERR_DOWNLOAD', `${state.url}: larger than ${state.maxBytes} bytes, the most a patch file may be`)
        await state.file.write(bytes, 0, bytes.byteLength, state.received)
        state.hash.update(bytes)
        state.received += bytes.byteLength
        options.onProgress?.({ bytes: state.received, total: state.total, attempt })
      }
    } catch (err) {
      if (err instanceof PackageError) throw err
      throw failure(err, stalled.signal, options.signal)
    }
    if (state.total != null && state.received < state.total) throw new Retryable(`the connection closed after ${state.received} of ${state.total} bytes`)
  } finally {
    clearTimeout(timer)
  }
}

/** Takes an answer's range: a resumed one continues the file; a whole one (Range ignored, or the file changed) starts it over. */
async function startAt (state: Transfer, response: Response): Promise<void> {
  const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '')
  if (response.status === 206 && state.received > 0 && Number(range?.[1]) === state.received) {
    state.total = Number(range?.[2])
    return
  }
  if (response.status === 206) throw new PackageError('ERR_DOWNLOAD', `${state.url} answered a range that was not asked for (${response.headers.get('content-range') ?? 'no Content-Range'})`)
  state.received = 0
  state.hash = createHash('sha256')
  await state.file.truncate(0)
  const length = response.headers.get('content-length')
  state.total = length == null ? undefined : Number(length)
  state.validator = response.headers.get('etag') ?? response.headers.get('last-modified') ?? undefined
  if (state.total != null && state.total > state.maxBytes) throw new PackageError('ERR_DOWNLOAD', `${state.url} is ${state.total} bytes; a patch file is at most ${state.maxBytes}`)
}

/** What a failed request or read means: the caller's abort passes through; anything else is worth a retry. */
function failure (err: unknown, stalled: AbortSignal, caller: AbortSignal | undefined): Error {
  if (caller?.aborted === true) return caller.reason as Error
  if (stalled.aborted) return new Retryable('no data arrived for too long')
  const cause = (err as { cause?: { code?: string, message?: string } }).cause
  return new Retryable(cause?.code ?? cause?.message ?? (err as Error).message)
}
