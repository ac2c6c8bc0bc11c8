import assert from 'node:assert/strict'
import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { test } from 'node:test'
import type { TestContext } from 'node:test'
import { pino } from 'pino'
import { sendToNode } from '../../node/cli/node-client.ts'
import { NodeError } from '../../node/errors.ts'
import { HttpError, HttpServer } from '../../node/http/server.ts'
import type { HttpServerInit, Route } from '../../node/http/server.ts'
import { silentLogger } from '../../node/log.ts'

const TOKEN = 'c0ffee'.repeat(10) + 'c0de'
const OTHER_TOKEN = 'b'.repeat(64)
const MAX_BODY = 16

/** What the routes saw, so tests can check a refused request never reached its handler. */
interface Calls { control: number }

function routes (calls: Calls): Route[] {
  return [
    { path: '/api/v1/thing', handle: async () => ({ json: { thing: true } }) },
    { path: '/api/v1/things/:id', handle: async ({ params }) => ({ json: { id: params.id } }) },
    { path: '/api/v1/nothing', handle: async () => undefined },
    {
      method: 'POST',
      path: '/api/v1/control/echo',
      control: true,
      maxBodyBytes: MAX_BODY,
      handle: async ({ body }) => {
        calls.control++
        const bytes = await body()
        return { json: { length: bytes.byteLength, text: new TextDecoder().decode(bytes) } }
      }
    },
    {
      method: 'POST',
      path: '/api/v1/control/refuse',
      control: true,
      handle: async () => { throw new HttpError(400, 'ERR_BAD_SIGNATURE', 'the catalog signature does not verify') }
    },
    { method: 'POST', path: '/api/v1/control/crash', control: true, handle: async () => { throw new Error('boom') } }
  ]
}

async function startServer (t: TestContext, init: Partial<HttpServerInit> = {}): Promise<{ url: string, calls: Calls }> {
  const calls = { control: 0 }
  const server = new HttpServer({ host: '127.0.0.1', port: 0, routes: routes(calls), logger: silentLogger(), controlToken: TOKEN, ...init })
  const url = await server.start()
  t.after(async () => { await server.stop() })
  return { url, calls }
}

async function post (url: string, body: string, token?: string): Promise<{ status: number, body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token != null) headers.authorization = `Bearer ${token}`
  const res = await fetch(url, { method: 'POST', headers, body })
  return { status: res.status, body: await res.json() }
}

/** Sends a body with chunked transfer encoding (no content-length), in two writes. */
async function postChunked (url: string, parts: string[], token: string): Promise<{ status: number, body: any }> {
  return await new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked', authorization: `Bearer ${token}` } }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (part: string) => { text += part })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    for (const part of parts.slice(0, -1)) req.write(part)
    req.end(parts.at(-1))
  })
}

// --- HttpServer: routing -----------------------------------------------------------------------

test('a GET route answers 200 with its JSON', async t => {
  const { url } = await startServer(t)
  const res = await fetch(`${url}/api/v1/thing`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  assert.equal(res.headers.get('cache-control'), 'no-store')
  assert.deepEqual(await res.json(), { thing: true })
})

test('start returns the URL it listens on', async t => {
  const calls = { control: 0 }
  const server = new HttpServer({ host: '127.0.0.1', port: 0, routes: routes(calls), logger: silentLogger() })
  t.after(async () => { await server.stop() })
  const url = await server.start()
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(server.url, url)
})

test('HEAD on a GET route answers 200 without a body', async t => {
  const { url } = await startServer(t)
  const res = await fetch(`${url}/api/v1/thing`, { method: 'HEAD' })
  assert.equal(res.status, 200)
  assert.equal(await res.text(), '')
})

test('path parameters are captured and URL-decoded', async t => {
  const { url } = await startServer(t)
  const res = await fetch(`${url}/api/v1/things/a%20b%2Fc`)
  assert.deepEqual(await res.json(), { id: 'a b/c' })
})

test('an unknown path answers 404 ERR_NOT_FOUND', async t => {
  const { url } = await startServer(t)
  const res = await fetch(`${url}/api/v1/nope`)
  assert.equal(res.status, 404)
  assert.equal((await res.json()).error.code, 'ERR_NOT_FOUND')
})

test('a wrong method on an existing path answers 405 ERR_METHOD', async t => {
  const { url } = await startServer(t)
  const res = await fetch(`${url}/api/v1/thing`, { method: 'DELETE' })
  assert.equal(res.status, 405)
  assert.equal((await res.json()).error.code, 'ERR_METHOD')
})

test('GET on a control POST path answers 405, not 403', async t => {
  const { url, calls } = await startServer(t)
  const res = await fetch(`${url}/api/v1/control/echo`)
  assert.equal(res.status, 405)
  assert.equal(calls.control, 0)
})

test('a GET route whose handler returns nothing answers 404', async t => {
  const { url } = await startServer(t)
  const res = await fetch(`${url}/api/v1/nothing`)
  assert.equal(res.status, 404)
})

test('an HttpError thrown by a handler answers its status and code', async t => {
  const { url } = await startServer(t)
  const res = await post(`${url}/api/v1/control/refuse`, '{}', TOKEN)
  assert.equal(res.status, 400)
  assert.equal(res.body.error.code, 'ERR_BAD_SIGNATURE')
})

test('any other handler error answers 500 ERR_INTERNAL and is logged', async t => {
  const lines: string[] = []
  const logger = pino({ level: 'error' }, { write: (line: string) => { lines.push(line) } })
  const { url } = await startServer(t, { logger })
  const res = await post(`${url}/api/v1/control/crash`, '{}', TOKEN)
  assert.equal(res.status, 500)
  assert.equal(res.body.error.code, 'ERR_INTERNAL')
  assert.equal(lines.length, 1)
  assert.equal(JSON.parse(lines[0] as string).err.message, 'boom')
})

test('stop before start and a second stop are harmless', async () => {
  const server = new HttpServer({ host: '127.0.0.1', port: 0, routes: [], logger: silentLogger() })
  await server.stop()
  await server.start()
  await server.stop()
  await server.stop()
})

// --- HttpServer: control routes ----------------------------------------------------------------

test('a control route without a token answers 403 ERR_FORBIDDEN and runs nothing', async t => {
  const { url, calls } = await startServer(t)
  const res = await post(`${url}/api/v1/control/echo`, 'hi')
  assert.equal(res.status, 403)
  assert.equal(res.body.error.code, 'ERR_FORBIDDEN')
  assert.equal(calls.control, 0)
})

test('a control route with a wrong token answers 403 ERR_FORBIDDEN', async t => {
  const { url, calls } = await startServer(t)
  const res = await post(`${url}/api/v1/control/echo`, 'hi', OTHER_TOKEN)
  assert.equal(res.status, 403)
  assert.equal(res.body.error.code, 'ERR_FORBIDDEN')
  assert.equal(calls.control, 0)
})

test('a control route with the token in another scheme answers 403', async t => {
  const { url } = await startServer(t)
  const res = await fetch(`${url}/api/v1/control/echo`, { method: 'POST', headers: { authorization: `Basic ${TOKEN}` }, body: 'hi' })
  assert.equal(res.status, 403)
})

test('a control route with the right token runs and answers 200', async t => {
  const { url, calls } = await startServer(t)
  const res = await post(`${url}/api/v1/control/echo`, 'hi', TOKEN)
  assert.equal(res.status, 200)
  assert.deepEqual(res.body, { length: 2, text: 'hi' })
  assert.equal(calls.control, 1)
})

test('a node without a control token refuses every control request', async t => {
  const { url } = await startServer(t, { controlToken: undefined })
  const res = await post(`${url}/api/v1/control/echo`, 'hi', TOKEN)
  assert.equal(res.status, 403)
  assert.equal(res.body.error.code, 'ERR_FORBIDDEN')
})

const external = Object.values(networkInterfaces()).flat().find(a => a != null && !a.internal && a.family === 'IPv4')?.address

test('a control request from another computer answers 403 even with the right token', { skip: external == null ? 'no non-loopback IPv4 address' : false }, async t => {
  const { url, calls } = await startServer(t, { host: external as string })
  const res = await post(`${url}/api/v1/control/echo`, 'hi', TOKEN)
  assert.equal(res.status, 403)
  assert.equal(res.body.error.code, 'ERR_FORBIDDEN')
  assert.equal(calls.control, 0)
})

test('a public GET answers a request from another computer', { skip: external == null ? 'no non-loopback IPv4 address' : false }, async t => {
  const { url } = await startServer(t, { host: external as string })
  assert.equal((await fetch(`${url}/api/v1/thing`)).status, 200)
})

// --- HttpServer: body limits -------------------------------------------------------------------

test('a body of exactly maxBodyBytes is accepted', async t => {
  const { url } = await startServer(t)
  const res = await post(`${url}/api/v1/control/echo`, 'x'.repeat(MAX_BODY), TOKEN)
  assert.equal(res.status, 200)
  assert.equal(res.body.length, MAX_BODY)
})

test('a declared content-length over maxBodyBytes answers 413 ERR_TOO_LARGE', async t => {
  const { url } = await startServer(t)
  const res = await post(`${url}/api/v1/control/echo`, 'x'.repeat(MAX_BODY + 1), TOKEN)
  assert.equal(res.status, 413)
  assert.equal(res.body.error.code, 'ERR_TOO_LARGE')
})

test('a chunked body growing over maxBodyBytes answers 413 ERR_TOO_LARGE', async t => {
  const { url } = await startServer(t)
  const res = await postChunked(`${url}/api/v1/control/echo`, ['x'.repeat(10), 'y'.repeat(10)], TOKEN)
  assert.equal(res.status, 413)
  assert.equal(res.body.error.code, 'ERR_TOO_LARGE')
})

test('a chunked body within maxBodyBytes is read whole', async t => {
  const { url } = await startServer(t)
  const res = await postChunked(`${url}/api/v1/control/echo`, ['abc', 'def'], TOKEN)
  assert.equal(res.status, 200)
  assert.deepEqual(res.body, { length: 6, text: 'abcdef' })
})

// --- node-client.ts sendToNode -----------------------------------------------------------------

test('sendToNode sends the body with the token and returns the JSON answer', async t => {
  const { url } = await startServer(t)
  const answer = await sendToNode<{ length: number, text: string }>({ url, token: TOKEN }, 'POST', '/api/v1/control/echo', '{"a":1}')
  assert.deepEqual(answer, { length: 7, text: '{"a":1}' })
})

test('sendToNode sends bytes as they are', async t => {
  const { url } = await startServer(t)
  const answer = await sendToNode<{ length: number }>({ url, token: TOKEN }, 'POST', '/api/v1/control/echo', new Uint8Array([0, 1, 2]))
  assert.equal(answer.length, 3)
})

test('a 4xx answer to sendToNode is NodeError ERR_REFUSED carrying the node\'s message', async t => {
  const { url } = await startServer(t)
  await assert.rejects(sendToNode({ url, token: TOKEN }, 'POST', '/api/v1/control/refuse', '{}'), err => {
    assert.ok(err instanceof NodeError)
    assert.equal(err.code, 'ERR_REFUSED')
    assert.ok(err.message.includes('the catalog signature does not verify'), err.message)
    return true
  })
})

test('a 413 answer to sendToNode is NodeError ERR_REFUSED', async t => {
  const { url } = await startServer(t)
  await assert.rejects(sendToNode({ url, token: TOKEN }, 'POST', '/api/v1/control/echo', 'x'.repeat(MAX_BODY + 1)),
    err => err instanceof NodeError && err.code === 'ERR_REFUSED')
})

test('a 403 answer to sendToNode is NodeError ERR_CONTROL_TOKEN', async t => {
  const { url } = await startServer(t)
  await assert.rejects(sendToNode({ url, token: OTHER_TOKEN }, 'POST', '/api/v1/control/echo', '{}'),
    err => err instanceof NodeError && err.code === 'ERR_CONTROL_TOKEN')
})

test('a 404 answer to sendToNode is NodeError ERR_NODE_UNREACHABLE', async t => {
  const { url } = await startServer(t)
  await assert.rejects(sendToNode({ url, token: TOKEN }, 'POST', '/api/v1/control/missing', '{}'),
    err => err instanceof NodeError && err.code === 'ERR_NODE_UNREACHABLE')
})

test('a 500 answer to sendToNode is NodeError ERR_NODE_UNREACHABLE', async t => {
  const { url } = await startServer(t)
  await assert.rejects(sendToNode({ url, token: TOKEN }, 'POST', '/api/v1/control/crash', '{}'),
    err => err instanceof NodeError && err.code === 'ERR_NODE_UNREACHABLE')
})

test('sendToNode to a stopped node is NodeError ERR_NODE_UNREACHABLE', async () => {
  const server = new HttpServer({ host: '127.0.0.1', port: 0, routes: [], logger: silentLogger() })
  const url = await server.start()
  await server.stop()
  await assert.rejects(sendToNode({ url, token: TOKEN }, 'POST', '/api/v1/control/echo', '{}'),
    err => err instanceof NodeError && err.code === 'ERR_NODE_UNREACHABLE')
})

test('sendToNode rejects when its signal is already aborted', async t => {
  const { url } = await startServer(t)
  await assert.rejects(sendToNode({ url, token: TOKEN }, 'POST', '/api/v1/control/echo', '{}', AbortSignal.abort()),
    err => err instanceof NodeError && err.code === 'ERR_NODE_UNREACHABLE')
})
