import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleManifest, signedManifest } from '../helpers/admin-documents.ts'
import { startPackageNode } from '../helpers/package-node.ts'
import { getJson } from '../helpers/poll.ts'
import type { InstallPlan } from '../../protocol/install-plan.ts'
import type { ManifestPatch, PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { PackageNode } from '../helpers/package-node.ts'

const HOUR_MS = 3_600_000

/**
 * Version `version` of the sample package for Debian computers (the test node scans a Debian 12
 * inventory), created and available an hour ago, due in a week, never expiring, so the node's clock
 * accepts it and plans it as available.
 */
function manifest (version: number, fields: Partial<PackageManifest> = {}): PackageManifest {
  const now = Date.now()
  return sampleManifest({
    version,
    created: new Date(now - HOUR_MS).toISOString(),
    expires: undefined,
    target: { os: ['debian'] },
    deployment: { available: new Date(now - HOUR_MS).toISOString(), deadline: new Date(now + 7 * 24 * HOUR_MS).toISOString(), rebootServers: false },
    retracted: [],
    ...fields
  })
}

async function accept (node: PackageNode, value: PackageManifest): Promise<void> {
  const { status, body } = await node.offer(signedManifest(value, node.admins.slice(0, 2)))
  assert.equal(status, 201)
  assert.equal(body.outcome.status, 'accepted')
}

async function plan (node: PackageNode): Promise<InstallPlan> {
  const { status, body } = await getJson(`${node.url}/api/v1/install-plan`)
  assert.equal(status, 200)
  return body as InstallPlan
}

test('GET /api/v1/install-plan lists the patches of an accepted manifest, then withholds the one a newer version retracts', async (t) => {
  const node = await startPackageNode(t)
  const [openssl, kb] = manifest(1).patches
  await accept(node, manifest(1))
  const before = await plan(node)
  assert.equal(before.computer.os, 'debian')
  assert.deepEqual(before.packages.map(p => [p.name, p.version, p.state, p.patches.map(patch => patch.id), p.withheld]), [
    ['november-security', 1, 'available', ['P-OPENSSL', 'KB5034441'], []]
  ])
  assert.deepEqual(before.packages[0]?.patches[1], kb)

  await accept(node, manifest(2, { patches: [openssl as ManifestPatch], retracted: ['KB5034441'] }))
  const after = await plan(node)
  assert.deepEqual(after.packages.map(p => [p.name, p.version, p.patches.map(patch => patch.id), p.withheld]), [
    ['november-security', 2, ['P-OPENSSL'], [{ id: 'KB5034441', reason: 'retracted' }]]
  ])
})

test('GET /api/v1/install-plan leaves out a manifest still waiting for co-signers', async (t) => {
  const node = await startPackageNode(t)
  const { status, body } = await node.offer(signedManifest(manifest(1), node.admins.slice(0, 1)))
  assert.equal(status, 201)
  assert.equal(body.outcome.status, 'pending')
  assert.deepEqual((await plan(node)).packages, [])
})
