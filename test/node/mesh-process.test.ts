import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { writeScanInputs } from '../helpers/fixtures.ts'
import { runCliCaptured } from '../helpers/cli.ts'
import { getJson, pollUntil } from '../helpers/poll.ts'
import { spawnCli, waitForNodeUrl } from '../helpers/process.ts'
import { tempDir } from '../helpers/temp.ts'

test('three node processes with one mesh file each hold the whole fleet, and status prints it', async (t) => {
  const dir = await tempDir(t)
  const env = { PATCHMESH_PASSPHRASE: 'correct horse battery staple' }
  process.env.PATCHMESH_PASSPHRASE = env.PATCHMESH_PASSPHRASE
  t.after(() => { delete process.env.PATCHMESH_PASSPHRASE })
  const init = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', join(dir, 'mesh')])
  assert.equal(init.code, 0, init.stderr)
  const meshFile = join(dir, 'mesh', 'mesh.xml')

  const urls: string[] = []
  const procs = []
  let bootstrap: string[] = []
  for (const [i, site] of ['hq', 'branch-1', 'branch-1'].entries()) {
    const inputs = await writeScanInputs(await tempDir(t), i === 0 ? { openssl: '3.0.11-1' } : { curl: '6.0-1' })
    const data = join(dir, `node-${i}`)
    const proc = spawnCli(t, ['node', 'start', '--data', data, '--mesh', meshFile, '--site', site, '--http', '127.0.0.1:0',
      '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', ...bootstrap.flatMap(a => ['--bootstrap', a]),
      '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease], env)
    procs.push(proc)
    const url = await waitForNodeUrl(data, proc)
    urls.push(url)
    if (i === 0) bootstrap = (await getJson(`${url}/api/v1/node`)).body.addresses
  }

  for (const url of urls) {
    await pollUntil(async () => (await getJson(`${url}/api/v1/computers`)).body.computers.length === 3 ? true : undefined, `${url} to hold 3 computers`, 30_000)
  }
  const { body } = await getJson(`${urls[2] ?? ''}/api/v1/node`)
  assert.equal(body.mesh, 'acme')
  const patches = (await getJson(`${urls[1] ?? ''}/api/v1/patches`)).body.patches
  assert.deepEqual(patches.map((p: { id: string, missing: number, sites: Record<string, number> }) => [p.id, p.missing, p.sites]),
    [['P-CURL', 2, { 'branch-1': 2 }], ['P-OPENSSL', 1, { hq: 1 }]])

  const status = await runCliCaptured(['status', '--node', urls[0] ?? '', '--json'])
  assert.equal(status.code, 0, status.stderr)
  assert.equal(JSON.parse(status.stdout).computers.length, 3)
  const table = await runCliCaptured(['status', '--node', urls[0] ?? ''])
  assert.match(table.stdout, /^3 computers, 3 with missing patches/)

  for (const proc of procs) proc.child.kill('SIGTERM')
  for (const proc of procs) assert.equal(await proc.exited, 0)
})

test('status against a node that does not answer exits 1 and says so', async () => {
  const { code, stderr } = await runCliCaptured(['status', '--node', 'http://127.0.0.1:9'])
  assert.equal(code, 1)
  assert.match(stderr, /no patchmesh node answers at http:\/\/127\.0\.0\.1:9/)
})
