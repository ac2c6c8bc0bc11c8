import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { PatchmeshNode } from '../../node/agent.ts'
import { silentLogger } from '../../node/log.ts'
import { replaceDpkgStatus, smallCatalog, writeScanInputs } from '../helpers/fixtures.ts'
import { getJson, pollUntil } from '../helpers/poll.ts'
import { tempDir } from '../helpers/temp.ts'
import type { TestContext } from 'node:test'

async function startNode (t: TestContext, dataDir: string, inputs: { catalog?: string, status: string, osRelease: string }, extra: Partial<ConstructorParameters<typeof PatchmeshNode>[0]> = {}): Promise<PatchmeshNode> {
  const node = new PatchmeshNode({
    dataDir,
    logger: silentLogger(),
    catalogFile: inputs.catalog,
    inventory: { dpkgStatus: inputs.status, osRelease: inputs.osRelease },
    http: { host: '127.0.0.1', port: 0 },
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    inventoryDebounceMs: 50,
    ...extra
  })
  await node.start()
  t.after(async () => { await node.stop() })
  return node
}

test('a started node lists this computer with its scan summary', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1', curl: '6.5-1' })
  const node = await startNode(t, join(dir, 'data'), inputs)
  const { status, body } = await getJson(`${node.url}/api/v1/computers`)
  assert.equal(status, 200)
  assert.equal(body.computers.length, 1)
  assert.equal(body.computers[0].id, node.id)
  assert.deepEqual(body.computers[0].summary, { missing: 2, superseded: 1, installed: 0, 'not-applicable': 1 })
  assert.deepEqual(body.computers[0].missingBySeverity, { critical: 1, important: 1 })
})

test('a computer\'s patches are listed most urgent first and filter by state', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1', curl: '6.5-1' })
  const node = await startNode(t, join(dir, 'data'), inputs)
  const all = await getJson(`${node.url}/api/v1/computers/${node.id ?? ''}`)
  assert.deepEqual(all.body.patches.map((p: { id: string }) => p.id), ['P-OPENSSL', 'P-CURL', 'P-CURL-OLD', 'P-NGINX'])
  const missing = await getJson(`${node.url}/api/v1/computers/${node.id ?? ''}?state=missing`)
  assert.deepEqual(missing.body.patches.map((p: { id: string }) => p.id), ['P-OPENSSL', 'P-CURL'])
})

test('unknown computers are 404 and unknown states 400, with error codes', async (t) => {
  const dir = await tempDir(t)
  const node = await startNode(t, join(dir, 'data'), await writeScanInputs(dir, {}))
  const unknown = await getJson(`${node.url}/api/v1/computers/nobody`)
  assert.equal(unknown.status, 404)
  assert.equal(unknown.body.error.code, 'ERR_NOT_FOUND')
  const badState = await getJson(`${node.url}/api/v1/computers/${node.id ?? ''}?state=broken`)
  assert.equal(badState.status, 400)
  assert.equal(badState.body.error.code, 'ERR_BAD_REQUEST')
  const post = await fetch(`${node.url}/api/v1/computers`, { method: 'POST' })
  assert.equal(post.status, 405)
})

test('the patches report counts the computers missing each patch, per site', async (t) => {
  const dir = await tempDir(t)
  const node = await startNode(t, join(dir, 'data'), await writeScanInputs(dir, { openssl: '3.0.11-1' }), { site: 'hq' })
  const { body } = await getJson(`${node.url}/api/v1/patches`)
  assert.deepEqual(body.patches, [{ id: 'P-OPENSSL', bulletin: 'DSA-1', title: 'openssl security update', severity: 'critical', cves: ['CVE-2026-1001'], missing: 1, sites: { hq: 1 } }])
})

test('the web report at / names the computer and its missing patches', async (t) => {
  const dir = await tempDir(t)
  const node = await startNode(t, join(dir, 'data'), await writeScanInputs(dir, { openssl: '3.0.11-1' }))
  const res = await fetch(`${node.url}/`)
  assert.match(res.headers.get('content-type') ?? '', /text\/html/)
  const html = await res.text()
  assert.match(html, /P-OPENSSL/)
  assert.match(html, /openssl 3\.0\.11-1 → 3\.0\.13-1/)
})

test('a second node on the same data folder fails with ERR_ALREADY_RUNNING and the first keeps working', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, {})
  const first = await startNode(t, join(dir, 'data'), inputs)
  const second = new PatchmeshNode({ dataDir: join(dir, 'data'), logger: silentLogger(), inventory: { dpkgStatus: inputs.status, osRelease: inputs.osRelease }, http: { host: '127.0.0.1', port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  await assert.rejects(second.start(), { code: 'ERR_ALREADY_RUNNING' })
  assert.equal((await getJson(`${first.url}/api/v1/computers`)).status, 200)
})

test('a change of the dpkg status file triggers a rescan', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1' })
  const node = await startNode(t, join(dir, 'data'), inputs)
  await replaceDpkgStatus(inputs.status, { openssl: '3.0.13-1' })
  const summary = await pollUntil(async () => {
    const { body } = await getJson(`${node.url}/api/v1/computers`)
    return body.computers[0].summary.installed === 1 ? body.computers[0].summary : undefined
  }, 'a rescan after the inventory change')
  assert.equal(summary.missing, 0)
  const history = await getJson(`${node.url}/api/v1/scans`)
  assert.deepEqual(history.body.history.map((h: { trigger: string }) => h.trigger).slice(0, 2), ['inventory', 'start'])
})

test('a restarted node keeps its id and its catalog without being given one again', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1' })
  const first = await startNode(t, join(dir, 'data'), inputs)
  const id = first.id
  await first.stop()
  const second = await startNode(t, join(dir, 'data'), { status: inputs.status, osRelease: inputs.osRelease })
  assert.equal(second.id, id)
  const { body } = await getJson(`${second.url}/api/v1/node`)
  assert.equal(body.catalog.id, 'test-catalog')
})

test('an older catalog at start is refused with ERR_CATALOG_OUTDATED and the held one stays', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, {}, 5)
  const first = await startNode(t, join(dir, 'data'), inputs)
  await first.stop()
  const { writeFile } = await import('node:fs/promises')
  await writeFile(inputs.catalog, smallCatalog(4))
  const stale = new PatchmeshNode({ dataDir: join(dir, 'data'), logger: silentLogger(), catalogFile: inputs.catalog, inventory: { dpkgStatus: inputs.status, osRelease: inputs.osRelease }, http: { host: '127.0.0.1', port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  await assert.rejects(stale.start(), { code: 'ERR_CATALOG_OUTDATED' })
  const again = await startNode(t, join(dir, 'data'), { status: inputs.status, osRelease: inputs.osRelease })
  assert.equal((await getJson(`${again.url}/api/v1/node`)).body.catalog.version, 5)
})

test('a hostile catalog at start is refused and the held catalog and scans stay', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1' })
  const first = await startNode(t, join(dir, 'data'), inputs)
  await first.stop()
  const { writeFile } = await import('node:fs/promises')
  await writeFile(inputs.catalog, '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]><Catalog xmlns="urn:patchmesh:catalog:1">&lol;</Catalog>')
  const hostile = new PatchmeshNode({ dataDir: join(dir, 'data'), logger: silentLogger(), catalogFile: inputs.catalog, inventory: { dpkgStatus: inputs.status, osRelease: inputs.osRelease }, http: { host: '127.0.0.1', port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
  await assert.rejects(hostile.start(), { name: 'FormatError', code: 'ERR_XML_FORBIDDEN' })
  const again = await startNode(t, join(dir, 'data'), { status: inputs.status, osRelease: inputs.osRelease })
  const { body } = await getJson(`${again.url}/api/v1/computers`)
  assert.equal(body.computers[0].summary.missing, 1)
})

test('the node writes its runtime file while running and removes it on stop', async (t) => {
  const dir = await tempDir(t)
  const node = await startNode(t, join(dir, 'data'), await writeScanInputs(dir, {}))
  const runtime = JSON.parse(await readFile(join(dir, 'data', 'node.json'), 'utf8'))
  assert.equal(runtime.url, node.url)
  await node.stop()
  await assert.rejects(readFile(join(dir, 'data', 'node.json')), { code: 'ENOENT' })
})

test('computers silent for longer than the stale threshold are marked stale', async (t) => {
  const dir = await tempDir(t)
  const node = await startNode(t, join(dir, 'data'), await writeScanInputs(dir, {}), { staleAfterMs: 1 })
  const computer = await pollUntil(async () => {
    const { body } = await getJson(`${node.url}/api/v1/computers`)
    return body.computers[0].stale === true ? body.computers[0] : undefined
  }, 'the computer to be marked stale')
  assert.equal(computer.self, true)
})
