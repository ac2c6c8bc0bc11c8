import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { deploymentState, installPlan } from '../../protocol/install-plan.ts'
import { sampleManifest } from '../helpers/admin-documents.ts'
import type { ManifestPatch, PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { TargetedComputer } from '../../protocol/package-target.ts'

/** The sample targets sites hq and branch-berlin, tag web, os debian or windows. */
const WEB_SERVER: TargetedComputer = { site: 'hq', tags: ['web'], os: 'debian' }
/** Between the sample's available (2026-11-25) and deadline (2026-12-01), before it expires (2027-01-31). */
const DURING = new Date('2026-11-27T12:00:00Z')
/** The sample's second patch, the one a retraction of P-OPENSSL keeps. */
const KB = sampleManifest().patches[1] as ManifestPatch

function patchIds (manifests: PackageManifest[], computer = WEB_SERVER, now = DURING): string[][] {
  return installPlan(manifests, computer, now).packages.map(p => p.patches.map(patch => patch.id))
}

describe('installPlan: targeting', () => {
  it('plans a package whose target matches the computer\'s site, tags and os', () => {
    assert.deepEqual(patchIds([sampleManifest()]), [['P-OPENSSL', 'KB5034441']])
  })

  it('leaves out a package for other sites', () => {
    assert.deepEqual(patchIds([sampleManifest()], { ...WEB_SERVER, site: 'branch-paris' }), [])
  })

  it('leaves out a package for tags the computer lacks', () => {
    assert.deepEqual(patchIds([sampleManifest()], { ...WEB_SERVER, tags: ['kiosk'] }), [])
  })

  it('leaves out a package for another os', () => {
    assert.deepEqual(patchIds([sampleManifest()], { ...WEB_SERVER, os: 'rhel' }), [])
  })

  it('plans a package without a target on every computer', () => {
    assert.deepEqual(patchIds([sampleManifest({ target: undefined })], { site: '', tags: [], os: 'rhel' }), [['P-OPENSSL', 'KB5034441']])
  })
})

describe('installPlan: patches', () => {
  it('gives each patch with its blob, command, exit codes and reboot behaviour, in install order', () => {
    const [plan] = installPlan([sampleManifest()], WEB_SERVER, DURING).packages
    assert.deepEqual(plan?.patches, sampleManifest().patches)
  })

  it('withholds a retracted patch and says it was retracted', () => {
    const retraction = sampleManifest({ version: 3, patches: [KB], retracted: ['P-OPENSSL'] })
    const [plan] = installPlan([retraction], WEB_SERVER, DURING).packages
    assert.deepEqual(plan?.patches.map(p => p.id), ['KB5034441'])
    assert.deepEqual(plan?.withheld, [{ id: 'P-OPENSSL', reason: 'retracted' }])
  })

  it('keeps a package whose every patch is retracted, so the retractions show', () => {
    const [plan] = installPlan([sampleManifest({ patches: [], retracted: ['P-OPENSSL', 'KB5034441'] })], WEB_SERVER, DURING).packages
    assert.deepEqual(plan?.patches, [])
    assert.deepEqual(plan?.withheld.map(w => w.id), ['P-OPENSSL', 'KB5034441'])
  })
})

describe('installPlan: versions and expiry', () => {
  it('plans only the newest version of a package: a retraction replaces the version that listed the patch', () => {
    const older = sampleManifest({ version: 2 })
    const newer = sampleManifest({ version: 3, patches: [KB], retracted: ['P-OPENSSL'] })
    for (const order of [[older, newer], [newer, older]]) {
      const plan = installPlan(order, WEB_SERVER, DURING)
      assert.deepEqual(plan.packages.map(p => [p.name, p.version, p.patches.map(patch => patch.id)]), [['november-security', 3, ['KB5034441']]])
    }
  })

  it('gives nothing for an expired manifest, from the moment it expires', () => {
    const manifest = sampleManifest({ expires: '2026-11-27T12:00:00Z' })
    assert.deepEqual(installPlan([manifest], WEB_SERVER, DURING).packages, [])
    assert.equal(installPlan([manifest], WEB_SERVER, new Date('2026-11-27T11:59:59Z')).packages.length, 1)
  })

  it('does not fall back to an older version when the newest has expired', () => {
    const older = sampleManifest({ version: 2, expires: undefined })
    const newer = sampleManifest({ version: 3, expires: '2026-11-26T00:00:00Z' })
    assert.deepEqual(installPlan([older, newer], WEB_SERVER, DURING).packages, [])
  })

  it('lists packages by name, with the computer and time it was made for', () => {
    const plan = installPlan([sampleManifest({ name: 'zeta' }), sampleManifest({ name: 'alpha' })], WEB_SERVER, DURING)
    assert.deepEqual(plan.packages.map(p => p.name), ['alpha', 'zeta'])
    assert.deepEqual(plan.computer, WEB_SERVER)
    assert.equal(plan.at, '2026-11-27T12:00:00.000Z')
  })
})

describe('installPlan: deployment', () => {
  const { deployment } = sampleManifest()

  it('is waiting before available, available from then, due from the deadline', () => {
    assert.equal(deploymentState(deployment, new Date('2026-11-24T23:59:59Z')), 'waiting')
    assert.equal(deploymentState(deployment, new Date('2026-11-25T00:00:00Z')), 'available')
    assert.equal(deploymentState(deployment, new Date('2026-11-30T23:59:59Z')), 'available')
    assert.equal(deploymentState(deployment, new Date('2026-12-01T00:00:00Z')), 'due')
  })

  it('carries the state, the maintenance window and whether servers may reboot', () => {
    const [plan] = installPlan([sampleManifest({ deployment: { ...deployment, rebootServers: true } })], WEB_SERVER, new Date('2026-11-24T00:00:00Z')).packages
    assert.equal(plan?.state, 'waiting')
    assert.deepEqual(plan?.deployment, { ...deployment, rebootServers: true })
    assert.deepEqual(plan?.deployment.window, { days: ['Sat'], startMinute: 22 * 60, endMinute: 4 * 60 })
  })
})
