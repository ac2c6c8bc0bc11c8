import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { test } from 'node:test'
import { downloadUrl } from '../../node/packages/download-url.ts'
import { tempDir } from '../helpers/temp.ts'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'

const CONTENT = randomBytes(256 * 1024)
const SHA256 = createHash('sha256').update(CONTENT).digest('hex')
const ETAG = '"v1"'
/** Retries within the test's time, not the default seconds. */
const FAST = { retryDelayMs: 5, idleTimeoutMs: 1000 }

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void

/** A local server answering with `handle` (n counts requests from 1); returns its URL and the requests it saw. */
async function serve (t: TestContext, handle: Handler): Promise<{ url: string, requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = []
  const server = createServer((req, res) => { requests.push(req); handle(req, res, requests.length) })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/openssl.deb`, requests }
}

/** Where a request's Range starts; 0 without one. */
function rangeStart (req: IncomingMessage): number {
  return Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0)
}

/** The file from `start` on: the whole file with 200, the rest with 206. */
function sendFile (res: ServerResponse, start: number): void {
  if (start > 0) res.writeHead(206, { 'content-length': CONTENT.length - start, 'content-range': `bytes ${start}-${CONTENT.length - 1}/${CONTENT.length}`, etag: ETAG })
  else res.writeHead(200, { 'content-length': CONTENT.length, etag: ETAG })
  res.end(CONTENT.subarray(start))
}

/** Sends the first half of the file, then closes the connection: half a response, as a dropped link leaves it. */
function dropHalfway (res: ServerResponse): void {
  res.writeHead(200, { 'content-length': CONTENT.length, etag: ETAG })
  // end(), not destroy(): the half sent arrives before the close, so the retry has something to resume from.
  res.write(CONTENT.subarray(0, CONTENT.length / 2), () => { res.socket?.end() })
}

async function target (t: TestContext): Promise<string> {
  return join(await tempDir(t), 'download')
}

function code (expected: string): (err: unknown) => boolean {
  return err => (err as { code?: string }).code === expected
}

test('a download writes the whole file, reports progress and returns its sha256', async (t) => {
  const { url } = await serve(t, (req, res) => { sendFile(res, rangeStart(req)) })
  const path = await target(t)
  const seen: number[] = []
  const result = await downloadUrl(url, path, { onProgress: p => { seen.push(p.bytes); assert.equal(p.total, CONTENT.length) } })
  assert.deepEqual(await readFile(path), CONTENT)
  assert.equal(result.sha256, SHA256)
  assert.equal(result.attempts, 1)
  assert.equal(seen.at(-1), CONTENT.length)
})

test('when the link drops mid-file the download asks for the rest only, for the same file', async (t) => {
  const { url, requests } = await serve(t, (req, res, n) => { if (n === 1) dropHalfway(res); else sendFile(res, rangeStart(req)) })
  const path = await target(t)
  const result = await downloadUrl(url, path, { ...FAST, sha256: SHA256 })
  assert.deepEqual(await readFile(path), CONTENT)
  assert.equal(result.attempts, 2)
  assert.match(requests[1]?.headers.range ?? '', /^bytes=[1-9]\d*-$/)
  assert.equal(requests[1]?.headers['if-range'], ETAG)
})

test('a server that ignores Range on the retry sends the file from the start, and the download starts over', async (t) => {
  const { url } = await serve(t, (_req, res, n) => { if (n === 1) dropHalfway(res); else sendFile(res, 0) })
  const path = await target(t)
  const result = await downloadUrl(url, path, { ...FAST, sha256: SHA256 })
  assert.deepEqual(await readFile(path), CONTENT)
  assert.equal(result.size, CONTENT.length)
})

test('a link that stalls is abandoned after the idle timeout and resumed', async (t) => {
  const { url, requests } = await serve(t, (req, res, n) => {
    if (n > 1) return sendFile(res, rangeStart(req))
    res.writeHead(200, { 'content-length': CONTENT.length, etag: ETAG })
    res.write(CONTENT.subarray(0, 1000))
  })
  const path = await target(t)
  await downloadUrl(url, path, { ...FAST, sha256: SHA256 })
  assert.deepEqual(await readFile(path), CONTENT)
  assert.equal(requests.length, 2)
})

test('a file with another sha256 than expected is ERR_HASH_MISMATCH', async (t) => {
  const { url } = await serve(t, (_req, res) => { sendFile(res, 0) })
  await assert.rejects(downloadUrl(url, await target(t), { sha256: '0'.repeat(64) }), code('ERR_HASH_MISMATCH'))
})

test('an error answer such as 404 fails at once, without retries', async (t) => {
  const { url, requests } = await serve(t, (_req, res) => { res.writeHead(404).end('no such file') })
  await assert.rejects(downloadUrl(url, await target(t), FAST), (err: Error & { code?: string }) => err.code === 'ERR_DOWNLOAD' && /404/.test(err.message))
  assert.equal(requests.length, 1)
})

test('a server that keeps failing is given up on after the retries allowed', async (t) => {
  const { url, requests } = await serve(t, (_req, res) => { res.writeHead(503).end('busy') })
  await assert.rejects(downloadUrl(url, await target(t), { ...FAST, maxRetries: 2 }), code('ERR_DOWNLOAD'))
  assert.equal(requests.length, 3)
})

test('the caller\'s abort stops a download at once', async (t) => {
  const { url } = await serve(t, (_req, res) => { res.writeHead(200, { 'content-length': CONTENT.length }); res.write(CONTENT.subarray(0, 10)) })
  const controller = new AbortController()
  const reason = new Error('stopped by the test')
  const download = downloadUrl(url, await target(t), { signal: controller.signal, idleTimeoutMs: 60_000, onProgress: () => { controller.abort(reason) } })
  await assert.rejects(download, err => err === reason)
})

test('a URL that is not http or https is refused', async (t) => {
  await assert.rejects(downloadUrl('file:///etc/passwd', await target(t)), code('ERR_BAD_SETTING'))
})
