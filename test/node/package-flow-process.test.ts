import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { writeScanInputs } from '../helpers/fixtures.ts'
import { runCliCaptured } from '../helpers/cli.ts'
import { getJson, pollUntil } from '../helpers/poll.ts'
import { startNodeProcess } from '../helpers/node-processes.ts'
import { tempDir } from '../helpers/temp.ts'
import type { NodeProcess } from '../helpers/node-processes.ts'
import type { TestContext } from 'node:test'

const PASSPHRASE = 'correct horse battery staple'
const SITES = ['hq', 'hq', 'branch-1']
/** openssl below its fix everywhere; curl below P-CURL's fix (so P-CURL-OLD is superseded) on two computers. */
const INVENTORIES: Array<Record<string, string>> = [{ openssl: '3.0.11-1', curl: '6.5-1' }, { openssl: '3.0.11-1' }, { openssl: '3.0.11-1', curl: '6.5-1' }]
const GOSSIP_TIMEOUT_MS = 30_000

/** A 2-of-3 admin mesh (keys in dir/mesh) and three node processes, two at site hq and one at branch-1. */
async function threeNodeMesh (t: TestContext, dir: string): Promise<NodeProcess[]> {
  const init = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', join(dir, 'mesh'), '--admins', '3', '--threshold', '2'])
  assert.equal(init.code, 0, init.stderr)
  const nodes: NodeProcess[] = []
  let bootstrap: string[] = []
  for (const [i, site] of SITES.entries()) {
    const inputs = await writeScanInputs(await tempDir(t), INVENTORIES[i] ?? {})
    nodes.push(await startNodeProcess(t, join(dir, `node-${i}`), ['--mesh', join(dir, 'mesh', 'mesh.xml'), '--http', '127.0.0.1:0', '--site', site,
      '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', ...bootstrap.flatMap(a => ['--bootstrap', a]),
      '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease]))
    if (i === 0) bootstrap = (await getJson(`${nodes[0]?.url ?? ''}/api/v1/node`)).body.addresses
  }
  return nodes
}

/** Runs a CLI command and asserts it succeeded. */
async function cli (argv: string[]): Promise<string> {
  const run = await runCliCaptured(argv)
  assert.equal(run.code, 0, `${argv.join(' ')}: ${run.stderr}`)
  return run.stdout
}

/** Waits until every node holds `version` of package `name` in `state`, and returns what each holds. */
async function everywhere (nodes: NodeProcess[], name: string, version: number, state: 'pending' | 'accepted'): Promise<any[]> {
  return await Promise.all(nodes.map(async node => await pollUntil(async () => {
    const { status, body } = await getJson(`${node.url}/api/v1/packages/${name}`)
    return status === 200 && body.manifest?.version === version && body.manifest.state === state ? body.manifest : undefined
  }, `${node.url} to hold ${name} version ${version} ${state}`, GOSSIP_TIMEOUT_MS)))
}

async function required (node: NodeProcess): Promise<any[]> {
  return JSON.parse(await cli(['admin', 'required', '--node', node.url, '--json'])).patches
}

test('required → package → one signature, pending everywhere → a second at another node, accepted everywhere → a retraction', async (t) => {
  process.env.PATCHMESH_PASSPHRASE = PASSPHRASE
  t.after(() => { delete process.env.PATCHMESH_PASSPHRASE })
  const dir = await tempDir(t)
  const nodes = await threeNodeMesh(t, dir)
  const [hq, hq2, branch] = nodes as [NodeProcess, NodeProcess, NodeProcess]
  const key = (i: number): string => join(dir, 'mesh', `admin-${i}.key`)

  // What the fleet misses, as the first node holds it once every computer reported.
  const missing = await pollUntil(async () => {
    const patches = await required(hq)
    return patches.find(p => p.id === 'P-OPENSSL')?.missing === 3 ? patches : undefined
  }, 'every computer in the required list', GOSSIP_TIMEOUT_MS)
  assert.deepEqual(missing.map(p => [p.id, p.missing, p.sites, p.approved]), [
    ['P-OPENSSL', 3, { hq: 2, 'branch-1': 1 }, false],
    ['P-CURL', 2, { hq: 1, 'branch-1': 1 }, false]
  ], 'superseded P-CURL-OLD is not offered')

  const file = join(dir, 'openssl_3.0.13-1_amd64.deb')
  await writeFile(file, 'pretend deb\n'.repeat(5000))
  await cli(['admin', 'package', 'create', 'nov', '--data', hq.data])
  await cli(['admin', 'package', 'add', 'nov', 'P-OPENSSL', '--file', file, '--data', hq.data])
  await cli(['admin', 'package', 'set', 'nov', '--sites', 'hq,branch-1', '--window', 'Sat 22:00-04:00', '--data', hq.data])

  await cli(['admin', 'package', 'sign', 'nov', '--key', key(1), '--data', hq.data])
  await cli(['admin', 'package', 'publish', 'nov', '--data', hq.data])
  const pending = await everywhere(nodes, 'nov', 1, 'pending')
  assert.ok(pending.every(m => m.signers.length === 1))

  // A second admin, at another node, signs the pending manifest that reached it.
  await cli(['admin', 'package', 'sign', 'nov', '--key', key(2), '--data', branch.data])
  await cli(['admin', 'package', 'publish', 'nov', '--data', branch.data])
  const accepted = await everywhere(nodes, 'nov', 1, 'accepted')
  assert.ok(accepted.every(m => m.signers.length === 2 && m.patches[0].id === 'P-OPENSSL'))
  assert.deepEqual(accepted[0].target, { sites: ['hq', 'branch-1'] })
  const approved = (await required(hq2)).find(p => p.id === 'P-OPENSSL')
  assert.equal(approved.approved, true)
  assert.deepEqual(approved.packages, [{ name: 'nov', version: 1, state: 'accepted' }])

  // A third node withdraws the patch: the retraction is version 2, signed by two admins there.
  await cli(['admin', 'package', 'remove', 'nov', 'P-OPENSSL', '--data', hq2.data])
  await cli(['admin', 'package', 'sign', 'nov', '--key', key(3), '--data', hq2.data])
  await cli(['admin', 'package', 'sign', 'nov', '--key', key(1), '--data', hq2.data])
  await cli(['admin', 'package', 'publish', 'nov', '--data', hq2.data])
  const retracted = await everywhere(nodes, 'nov', 2, 'accepted')
  assert.ok(retracted.every(m => m.patches.length === 0 && m.retracted.includes('P-OPENSSL')))
})
