import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { payloadBytes } from '../bench/testbed/counters.ts'
import { runDistribution } from '../bench/testbed/distribution.ts'
import { writeRandomFile } from '../bench/testbed/file.ts'
import { PROCESS_PREFIX, listNamespaces, missingPrograms, testbedUnsupported } from '../bench/testbed/netns.ts'
import { centralHttp } from '../bench/testbed/systems/central-http.ts'
import { patchmesh } from '../bench/testbed/systems/patchmesh.ts'
import { destroyAllSync, planTestbed } from '../bench/testbed/topology.ts'
import { tempDir } from '../helpers/temp.ts'

const FILE_BYTES = 5 * 1024 * 1024
const NODES = 3
/** Fast enough to finish in seconds, slow enough that the shaping is what limits. */
const WAN_BIT_PER_S = 100e6

test('a testbed plan gives each site its own LAN, puts the seed at HQ and shapes the branch WAN links only', () => {
  const bed = planTestbed({ hqNodes: 2, branches: 2, nodesPerBranch: 3, wanBitPerS: 20e6, nodeUpBitPerS: 50e6 }, 'pmtb1x0')
  assert.equal(bed.nodes.length, 2 + 2 * 3)
  assert.deepEqual([bed.seed.name, bed.seed.role, bed.seed.ip], ['hq-0', 'seed', '10.1.0.10'])
  assert.deepEqual(bed.nodes.filter(n => n.role === 'seed').map(n => n.name), ['hq-0'])
  const node = bed.nodes.find(n => n.name === 'b2-1')
  assert.deepEqual([node?.ip, node?.site.gateway, node?.link[0].bitPerS, node?.link[1].bitPerS], ['10.1.2.11', '10.1.2.1', 50e6, undefined])
  assert.deepEqual(bed.sites.map(s => s.wan.map(end => end.bitPerS)), [[undefined, undefined], [20e6, 20e6], [20e6, 20e6]])
  const namespaces = [bed.router, ...bed.sites.map(s => s.ns), ...bed.nodes.map(n => n.ns)]
  assert.equal(new Set(namespaces).size, namespaces.length)
  assert.ok(namespaces.every(ns => ns.startsWith('pmtb1x0-')))
})

test('a testbed plan with a management plane gives it a namespace of its own and every node a management address apart from its LAN', () => {
  const bed = planTestbed({ hqNodes: 2, branches: 2, nodesPerBranch: 3, management: true }, 'pmtb1x0')
  assert.deepEqual(bed.management, { ns: 'pmtb1x0-m', address: '10.3.255.1' })
  assert.deepEqual(bed.nodes.filter(n => n.name === 'hq-1' || n.name === 'b2-2').map(n => [n.ip, n.managementIp]), [['10.1.0.11', '10.3.0.11'], ['10.1.2.12', '10.3.2.12']])
  assert.equal(new Set(bed.nodes.map(n => n.managementIp)).size, bed.nodes.length)
  assert.equal(planTestbed({ hqNodes: 1, branches: 0, nodesPerBranch: 0 }, 'pmtb1x1').management, undefined)
})

test('a 1-branch testbed with a shaped WAN link moves a file to every node through the central HTTP server, and leaves nothing behind', async (t) => {
  const unsupported = await testbedUnsupported()
  if (unsupported !== undefined) return t.skip('needs root and ip netns')
  const missing = await missingPrograms(['nginx', 'curl', 'tc', 'ss'])
  if (missing.length > 0) return t.skip(`needs ${missing.join(', ')} (apt-get install nginx-light curl iproute2)`)
  // Should the test process die before its own clean-up, this still removes its namespaces and processes.
  process.on('exit', destroyAllSync)
  t.after(() => { process.off('exit', destroyAllSync) })

  const dir = await tempDir(t, 'patchmesh-testbed-')
  const file = await writeRandomFile(join(dir, 'patch.bin'), FILE_BYTES)
  const result = await runDistribution(centralHttp(), {
    spec: { hqNodes: 1, branches: 1, nodesPerBranch: NODES, wanBitPerS: WAN_BIT_PER_S },
    file,
    dir: join(dir, 'central-http'),
    deadlineMs: 120_000,
    signal: AbortSignal.timeout(180_000)
  })

  assert.equal(result.expected, NODES)
  assert.equal(result.complete, NODES, `nodes failed: ${JSON.stringify(result.nodes.filter(n => n.completedMs === undefined))}`)
  assert.equal(result.identical, NODES)
  // The distribution-point model's truth: the branch pulls one whole copy per node across its WAN link.
  const branch = result.wan.find(w => w.site === 'b1')
  assert.ok(branch !== undefined && branch.in.bytes >= NODES * FILE_BYTES, `WAN bytes into b1: ${branch?.in.bytes}`)
  assert.deepEqual((await listNamespaces()).filter(ns => ns.startsWith(PROCESS_PREFIX)), [])
})

test('a 1-branch testbed with a shaped WAN link moves a 5 MB blob to every patchmesh node, pulling at most 1.2 copies into the branch', async (t) => {
  const unsupported = await testbedUnsupported()
  if (unsupported !== undefined) return t.skip('needs root and ip netns')
  const missing = await missingPrograms(['curl', 'tc', 'ss'])
  if (missing.length > 0) return t.skip(`needs ${missing.join(', ')} (apt-get install curl iproute2)`)
  process.on('exit', destroyAllSync)
  t.after(() => { process.off('exit', destroyAllSync) })

  const dir = await tempDir(t, 'patchmesh-testbed-')
  const file = await writeRandomFile(join(dir, 'patch.bin'), FILE_BYTES)
  const result = await runDistribution(patchmesh(), {
    spec: { hqNodes: 1, branches: 1, nodesPerBranch: NODES, wanBitPerS: 20e6 },
    file,
    dir: join(dir, 'patchmesh'),
    deadlineMs: 180_000,
    signal: AbortSignal.timeout(300_000)
  })

  assert.equal(result.complete, NODES, `nodes failed: ${JSON.stringify(result.nodes.filter(n => n.completedMs === undefined))}`)
  assert.equal(result.identical, NODES)
  const branch = result.wan.find(w => w.site === 'b1')
  assert.ok(branch !== undefined)
  const payload = payloadBytes(branch.in)
  t.diagnostic(`TCP payload into the branch: ${payload} bytes = ${(payload / FILE_BYTES).toFixed(2)} × F`)
  assert.ok(payload <= 1.2 * FILE_BYTES, `TCP payload into b1: ${payload} bytes, over 1.2 × F`)
  assert.deepEqual((await listNamespaces()).filter(ns => ns.startsWith(PROCESS_PREFIX)), [])
})
