import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { writeScanInputs } from '../helpers/fixtures.ts'
import { getJson } from '../helpers/poll.ts'
import { spawnCli, waitForNodeUrl } from '../helpers/process.ts'
import { tempDir } from '../helpers/temp.ts'

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`a node process serves its computer and stops cleanly on ${signal}`, async (t) => {
    const dir = await tempDir(t)
    const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1' })
    const data = join(dir, 'data')
    const proc = spawnCli(t, ['node', 'start', '--data', data, '--http', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease])
    const url = await waitForNodeUrl(data, proc)
    const { body } = await getJson(`${url}/api/v1/computers`)
    assert.equal(body.computers[0].summary.missing, 1)
    proc.child.kill(signal)
    assert.equal(await proc.exited, 0)
  })
}

test('a second node process on the same data folder exits 1 with "already running"', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, {})
  const data = join(dir, 'data')
  const args = ['node', 'start', '--data', data, '--http', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--dpkg-status', inputs.status, '--os-release', inputs.osRelease]
  const first = spawnCli(t, [...args, '--catalog', inputs.catalog])
  await waitForNodeUrl(data, first)
  const second = spawnCli(t, args)
  assert.equal(await second.exited, 1)
  assert.match(second.stderr(), /already running/)
  first.child.kill('SIGTERM')
  assert.equal(await first.exited, 0)
})

test('a node started with no catalog uses the shipped example and says so', async (t) => {
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, {})
  const data = join(dir, 'data')
  const proc = spawnCli(t, ['node', 'start', '--data', data, '--http', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--dpkg-status', inputs.status, '--os-release', inputs.osRelease])
  const url = await waitForNodeUrl(data, proc)
  const { body } = await getJson(`${url}/api/v1/node`)
  assert.match(body.catalog.source, /examples\/catalog\.xml$/)
  assert.match(proc.stderr(), /example catalog/)
  proc.child.kill('SIGTERM')
  assert.equal(await proc.exited, 0)
})
