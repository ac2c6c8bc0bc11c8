import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { test } from 'node:test'
import { runCli } from '../../node/cli/main.ts'
import { runCliCaptured } from '../helpers/cli.ts'
import { startPackageNode } from '../helpers/package-node.ts'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import type { BlobReport } from '../../node/blobs/blob-service.ts'
import type { Transfers } from '../../node/cli/transfers-render.ts'

const BLOB_ID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
const UPLOADS = { chunks: 3, bytesSameSite: 3_000_000, bytesOtherSites: 1_000_000, busyAnswers: 0 }

function report (chunksHeld: number): BlobReport {
  return {
    blobId: BLOB_ID,
    size: 4_000_000,
    chunkCount: 4,
    chunksHeld,
    complete: chunksHeld === 4,
    holdersBySite: { hq: { complete: 2, partial: 0 }, b1: { complete: 0, partial: 1 } },
    received: { sameSite: chunksHeld * 1_000_000, otherSites: 0, corruptChunks: 0 }
  }
}

/** A stand-in node whose /api/v1/blobs gives `answers` in turn (the last one again and again); counts the requests. */
async function fakeNode (t: TestContext, answers: Transfers[]): Promise<{ url: string, requests: () => number }> {
  let requests = 0
  const server = createServer((req, res) => {
    if (req.url === '/api/v1/blobs') {
      const answer = answers[Math.min(requests++, answers.length - 1)]
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    } else if (req.url === '/api/v1/computers') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ computers: [] }))
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests }
}

/** Runs the CLI in-process as if stdout were a terminal: every redrawn frame is kept. */
async function runOnTerminal (argv: string[], signal = new AbortController().signal, onFrame: (frame: string) => void = () => {}) {
  const out: string[] = []
  const err: string[] = []
  const frames: string[] = []
  const code = await runCli(argv, {
    out: text => out.push(text),
    err: text => err.push(text),
    columns: 120,
    rows: 40,
    redraw: frame => { frames.push(frame); onFrame(frame) },
    signal
  })
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), frames }
}

test('status --transfers --json prints the node\'s { blobs, uploads } once', async (t) => {
  const node = await fakeNode(t, [{ blobs: [report(1)], uploads: UPLOADS }])
  const { code, stdout, stderr } = await runCliCaptured(['status', '--transfers', '--json', '--node', node.url])
  assert.equal(code, 0, stderr)
  assert.deepEqual(JSON.parse(stdout), { blobs: [report(1)], uploads: UPLOADS })
  assert.equal(node.requests(), 1)
})

test('status --transfers without a terminal prints once, even while a blob is incomplete, and exits 0', async (t) => {
  const node = await fakeNode(t, [{ blobs: [report(1)], uploads: UPLOADS }])
  const { code, stdout, stderr } = await runCliCaptured(['status', '--transfers', '--node', node.url])
  assert.equal(code, 0, stderr)
  assert.equal(node.requests(), 1)
  assert.match(stdout, /^1 blob, 1 incomplete\n/)
  assert.match(stdout, /^Served 3\.0 MB to this site, 1\.0 MB to other sites$/m)
  assert.match(stdout, /\n\S+ +4\.0 MB +\[##\.{8}\]  25% +1\.0 MB +0 B +b1 1 partial, hq 2$/)
  assert.doesNotMatch(stdout, /refreshing/)
})

test('status --transfers on a terminal refreshes until every blob is complete, then leaves the last state', async (t) => {
  const node = await fakeNode(t, [{ blobs: [report(1)], uploads: UPLOADS }, { blobs: [report(4)], uploads: UPLOADS }])
  const { code, stdout, stderr, frames } = await runOnTerminal(['status', '--transfers', '--node', node.url])
  assert.equal(code, 0, stderr)
  assert.equal(stdout, '', 'a live view draws frames, it does not print')
  assert.equal(node.requests(), 2)
  assert.equal(frames.length, 2)
  assert.match(frames[0] ?? '', /25%[\s\S]*\n\(refreshing every second; Ctrl-C stops watching, not the downloads\)$/)
  assert.match(frames[1] ?? '', /^1 blob, all complete\n[\s\S]*100%/)
  assert.doesNotMatch(frames[1] ?? '', /refreshing/)
})

test('status --transfers on a terminal stops watching on Ctrl-C with exit 0, the last state on screen without the refreshing note', async (t) => {
  const node = await fakeNode(t, [{ blobs: [report(1)], uploads: UPLOADS }])
  const interrupt = new AbortController()
  const { code, stderr, frames } = await runOnTerminal(['status', '--transfers', '--node', node.url], interrupt.signal, () => { interrupt.abort() })
  assert.equal(code, 0, stderr)
  assert.equal(stderr, '')
  assert.equal(frames.length, 2)
  assert.match(frames[1] ?? '', /^1 blob, 1 incomplete\n[\s\S]*25%/)
  assert.doesNotMatch(frames[1] ?? '', /refreshing/)
})

test('status --transfers on a terminal interrupted before the node answers exits 0 without an error', async (t) => {
  const interrupt = new AbortController()
  // A node that takes its time: the person presses Ctrl-C while the first request waits.
  const server = createServer(() => { interrupt.abort() })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  const { code, stderr, frames } = await runOnTerminal(['status', '--transfers', '--node', `http://127.0.0.1:${(server.address() as AddressInfo).port}`], interrupt.signal)
  assert.equal(code, 0)
  assert.equal(stderr, '')
  assert.deepEqual(frames, [])
})

test('status --transfers --once on a terminal prints once', async (t) => {
  const node = await fakeNode(t, [{ blobs: [report(1)], uploads: UPLOADS }])
  const { code, stdout, frames } = await runOnTerminal(['status', '--transfers', '--once', '--node', node.url])
  assert.equal(code, 0)
  assert.deepEqual(frames, [])
  assert.match(stdout, /^1 blob, 1 incomplete\n/)
  assert.equal(node.requests(), 1)
})

test('status --transfers of a node without blobs says so', async (t) => {
  const node = await fakeNode(t, [{ blobs: [], uploads: { chunks: 0, bytesSameSite: 0, bytesOtherSites: 0, busyAnswers: 0 } }])
  const { code, stdout, frames } = await runOnTerminal(['status', '--transfers', '--node', node.url])
  assert.equal(code, 0)
  assert.deepEqual(frames, ['No blobs: this node holds none and fetches none.\nServed nothing to peers yet'])
  assert.equal(stdout, '')
})

test('status without --transfers still prints the fleet table', async (t) => {
  const node = await fakeNode(t, [])
  const { code, stdout } = await runOnTerminal(['status', '--node', node.url])
  assert.equal(code, 0)
  assert.match(stdout, /^0 computers, 0 with missing patches/)
})

test('status with an unknown option exits 2 with a one-line error naming it', async () => {
  const { code, stdout, stderr } = await runCliCaptured(['status', '--transfers', '--follow'])
  assert.equal(code, 2)
  assert.equal(stdout, '')
  assert.equal(stderr, 'patchmesh: patchmesh status: unknown option --follow (see patchmesh status --help)')
})

test('status --once without --transfers exits 2', async () => {
  const { code, stderr } = await runCliCaptured(['status', '--once'])
  assert.equal(code, 2)
  assert.match(stderr, /^patchmesh: patchmesh status: --once goes with --transfers/)
  assert.equal(stderr.split('\n').length, 1)
})

test('status --help names --transfers, --once and both JSON shapes', async () => {
  const { code, stdout } = await runCliCaptured(['status', '--help'])
  assert.equal(code, 0)
  assert.match(stdout, /--transfers/)
  assert.match(stdout, /--once/)
  assert.match(stdout, /\{ blobs: \[\.\.\.\], uploads: \{\.\.\.\} \}/)
})

test('status --transfers against a real node lists a blob added with "blob add" as complete', async (t) => {
  const node = await startPackageNode(t)
  const file = join(node.dir, 'patch.bin')
  await writeFile(file, Buffer.alloc(300_000, 7))
  const added = await node.cli(['blob', 'add', file, '--json'])
  assert.equal(added.code, 0, added.stderr)
  const { blobId } = JSON.parse(added.stdout) as { blobId: string }

  const json = await node.cli(['status', '--transfers', '--json'])
  assert.equal(json.code, 0, json.stderr)
  const transfers = JSON.parse(json.stdout) as Transfers
  assert.deepEqual(Object.keys(transfers).sort(), ['blobs', 'uploads'])
  assert.deepEqual(Object.keys(transfers.uploads).sort(), ['busyAnswers', 'bytesOtherSites', 'bytesSameSite', 'chunks'])
  const blob = transfers.blobs.find(b => b.blobId === blobId)
  assert.equal(blob?.complete, true)
  assert.equal(blob?.size, 300_000)

  const text = await node.cli(['status', '--transfers'])
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, new RegExp(`\\n${blobId.slice(0, 4)}…${blobId.slice(-8)} +300 kB +\\[#{10}\\] 100% `))
})
