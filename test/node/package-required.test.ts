import assert from 'node:assert/strict'
import { test } from 'node:test'
import { renderRequired } from '../../node/cli/required-command.ts'
import { requiredPatches } from '../../node/packages/required.ts'
import type { PackageView } from '../../node/packages/package-view.ts'
import type { FleetPatch } from '../../node/reports/fleet.ts'
import type { ManifestPatch } from '../../protocol/package-manifest-types.ts'

function fleetPatch (id: string, severity: string, missing: number): FleetPatch {
  return { id, bulletin: `B-${id}`, title: id, severity, cves: [], missing, sites: { hq: missing } }
}

/** A package view carrying `ids` in its manifest (or only in its draft when `state` is 'draft'). */
function view (name: string, ids: string[], state: 'accepted' | 'pending' | 'draft'): PackageView {
  const patches = ids.map(id => ({ id }) as ManifestPatch)
  const settings = { deadline: { afterMs: 1 }, rebootServers: false }
  return {
    name,
    needed: 2,
    manifest: state === 'draft' ? null : { version: 3, state, signers: [], created: '', deployment: { available: '', deadline: '', rebootServers: false }, patches, retracted: [], receivedAt: '' },
    draft: { stage: state === 'draft' ? 'editing' : 'published', patches, retracted: [], settings, lastVersion: 0, frozen: null, updatedAt: '' },
    refusals: []
  }
}

test('required patches come most severe first, then most missed', () => {
  const patches = [fleetPatch('LOW', 'low', 9), fleetPatch('CRIT-1', 'critical', 1), fleetPatch('CRIT-5', 'critical', 5), fleetPatch('ODD', 'unspecified', 2)]
  assert.deepEqual(requiredPatches(patches, []).map(p => p.id), ['CRIT-5', 'CRIT-1', 'LOW', 'ODD'])
})

test('a patch counts as approved only when an accepted manifest carries it', () => {
  const patches = [fleetPatch('A', 'critical', 1), fleetPatch('P', 'critical', 1), fleetPatch('D', 'critical', 1)]
  const required = requiredPatches(patches, [view('accepted', ['A'], 'accepted'), view('pending', ['P'], 'pending'), view('draft', ['D'], 'draft')])
  assert.deepEqual(required.map(p => [p.id, p.approved, p.packages]), [
    ['A', true, [{ name: 'accepted', version: 3, state: 'accepted' }]],
    ['D', false, [{ name: 'draft', version: null, state: 'draft' }]],
    ['P', false, [{ name: 'pending', version: 3, state: 'pending' }]]
  ])
})

test('the required table says how many are carried by an approved package', () => {
  const text = renderRequired(requiredPatches([fleetPatch('A', 'critical', 2)], [view('nov', ['A'], 'accepted')]))
  assert.match(text, /^1 patch missing in the fleet, 1 carried by an approved package/)
  assert.match(text, /critical\s+A\s+B-A\s+2\s+hq 2\s+nov v3 accepted/)
})

test('a fleet that misses nothing says so', () => {
  assert.equal(renderRequired([]), 'No computer of the fleet misses a patch.')
})
