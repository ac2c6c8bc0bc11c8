import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { writeScanInputs } from '../helpers/fixtures.ts'
import { runCliCaptured } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp.ts'

test('scan --json prints every patch with id and state and a summary per state', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1', curl: '6.5-1' })
  const { code, stdout } = await runCliCaptured(['scan', '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease, '--json'])
  assert.equal(code, 0)
  const result = JSON.parse(stdout)
  assert.deepEqual(Object.fromEntries(result.patches.map((p: { id: string, state: string }) => [p.id, p.state])),
    { 'P-OPENSSL': 'missing', 'P-CURL-OLD': 'superseded', 'P-CURL': 'missing', 'P-NGINX': 'not-applicable' })
  assert.deepEqual(result.summary, { missing: 2, superseded: 1, installed: 0, 'not-applicable': 1 })
  const openssl = result.patches.find((p: { id: string }) => p.id === 'P-OPENSSL')
  assert.equal(openssl.severity, 'critical')
  assert.deepEqual(openssl.cves, ['CVE-2026-1001'])
  assert.deepEqual(openssl.packages, [{ name: 'openssl', fixed: '3.0.13-1', installed: [{ version: '3.0.11-1', arch: 'amd64' }] }])
})

test('scan prints a table with missing patches first and hides not-applicable ones', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1' })
  const { code, stdout } = await runCliCaptured(['scan', '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease])
  assert.equal(code, 0)
  const lines = stdout.split('\n')
  assert.match(lines[0] ?? '', /1 missing, 0 superseded, 0 installed, 3 not applicable/)
  assert.match(lines[3] ?? '', /^missing\s+critical\s+P-OPENSSL\s+openssl security update\s+openssl 3\.0\.11-1 → 3\.0\.13-1$/)
  assert.match(stdout, /3 not-applicable patches hidden/)
})

test('scan with an unknown flag exits 2 naming the flag', async () => {
  const { code, stderr } = await runCliCaptured(['scan', '--catalgo', 'x'])
  assert.equal(code, 2)
  assert.match(stderr, /unknown option --catalgo/)
  assert.equal(stderr.split('\n').length, 1)
})

test('scan with a missing catalog file exits 2 naming the file', async () => {
  const { code, stderr } = await runCliCaptured(['scan', '--catalog', '/nonexistent/catalog.xml', '--json'])
  assert.equal(code, 2)
  assert.match(stderr, /\/nonexistent\/catalog\.xml: cannot read catalog: not found/)
})

test('scan with a missing dpkg status file exits 2 naming the file', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, {})
  const { code, stderr } = await runCliCaptured(['scan', '--catalog', inputs.catalog, '--dpkg-status', join(dir, 'nope'), '--os-release', inputs.osRelease])
  assert.equal(code, 2)
  assert.match(stderr, /nope: cannot read dpkg status file/)
})

const hostileCatalogs: Record<string, string> = {
  'malformed XML': '<Catalog xmlns="urn:patchmesh:catalog:1" id="x" version="1" published="2026-01-01T00:00:00Z"><Product></Catalog>',
  'a billion-laughs document': '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Catalog>&lol3;</Catalog>',
  'an external entity': '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Catalog>&xxe;</Catalog>',
  'deep nesting': '<Catalog xmlns="urn:patchmesh:catalog:1">' + '<a>'.repeat(100_000) + '</a>'.repeat(100_000) + '</Catalog>',
  'a huge attribute': `<Catalog xmlns="urn:patchmesh:catalog:1" id="${'x'.repeat(5_000_000)}" version="1" published="2026-01-01T00:00:00Z"/>`,
  'a wrong root element': '<Inventory xmlns="urn:patchmesh:inventory:1" host="h" os="debian" versionId="12"/>'
}

for (const [what, xml] of Object.entries(hostileCatalogs)) {
  test(`scan of ${what} exits 2 with a one-line error`, async (t) => {
    const dir = await tempDir(t)
    const inputs = await writeScanInputs(dir, {})
    await writeFile(inputs.catalog, xml)
    const { code, stdout, stderr } = await runCliCaptured(['scan', '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease, '--json'])
    assert.equal(code, 2)
    assert.equal(stdout, '')
    assert.equal(stderr.split('\n').length, 1)
    assert.ok(stderr.includes(inputs.catalog), `error names the file: ${stderr.slice(0, 200)}`)
  })
}

test('scan of a 1 GB catalog file exits 2 without reading it', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, {})
  const { truncate } = await import('node:fs/promises')
  await truncate(inputs.catalog, 1024 ** 3)
  const before = process.memoryUsage().rss
  const { code, stderr } = await runCliCaptured(['scan', '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease])
  assert.equal(code, 2)
  assert.match(stderr, /larger than the limit/)
  assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'memory stays bounded')
})

test('no command prints the help and exits 2; --help exits 0', async () => {
  assert.equal((await runCliCaptured([])).code, 2)
  const help = await runCliCaptured(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /node start/)
  const scanHelp = await runCliCaptured(['scan', '--help'])
  assert.match(scanHelp.stdout, /--dpkg-status FILE/)
})

test('an unknown command exits 2', async () => {
  const { code, stderr } = await runCliCaptured(['frobnicate'])
  assert.equal(code, 2)
  assert.match(stderr, /unknown command "frobnicate"/)
})
