import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evaluate } from '../../protocol/applicability.ts'
import { FAMILY_CODES, buildScanIndex, stringAt } from '../../protocol/scan-index.ts'
import { debian, indexFixture } from './scan-index-fixture.ts'
import type { ScanIndex } from '../../protocol/scan-index.ts'

const catalog = indexFixture()
const index = buildScanIndex(catalog)
const patchIndex = (id: string): number => catalog.patches.findIndex(p => p.id === id)

function group (family: string, name: string): number {
  for (let g = 0; g < index.groupName.length; g++) {
    if (FAMILY_CODES[index.groupFamily[g] as number] === family && stringAt(index, index.groupName[g] as number) === name) return g
  }
  throw new Error(`no group ${family} ${name}`)
}

function versionsOf (g: number): string[] {
  return Array.from(index.groupVersion.subarray(index.groupStart[g], index.groupStart[g + 1]), id => stringAt(index, id))
}

function rankOf (scan: ScanIndex, patchId: string): number {
  return scan.fixRank[scan.fixStart[patchIndex(patchId)] as number] as number
}

function statesOn (packages: Parameters<typeof debian>[0]): Record<string, string> {
  const { states } = evaluate(index, debian(packages))
  return Object.fromEntries(catalog.patches.map((p, i) => [p.id, states[i] as string]))
}

test('a package\'s fixed versions are listed once each, in version order, whatever the catalog order', () => {
  assert.deepEqual(versionsOf(group('deb', 'openssl')), ['1.0-1', '2.0-1', '3.0-1'])
})

test('fixed versions that order equal share one rank', () => {
  assert.equal(rankOf(index, 'D2'), rankOf(index, 'D2-SAME'))
  assert.equal(rankOf(index, 'D3'), 2)
})

test('a package name in two families forms two groups, each ordered by its own rules', () => {
  assert.notEqual(group('deb', 'openssl'), group('rpm', 'openssl'))
  assert.deepEqual(versionsOf(group('rpm', 'openssl')), ['3.0.7-1.el9'])
})

test('windows patches keep their hotfixes and package patches their packages', () => {
  const w1 = patchIndex('W1')
  assert.deepEqual(Array.from(index.hotfixId.subarray(index.hotfixStart[w1], index.hotfixStart[w1 + 1]), id => stringAt(index, id)), ['KB5000001', 'KB5000002'])
  assert.equal(index.fixStart[w1 + 1], index.fixStart[w1])
  const d1 = patchIndex('D1')
  assert.equal(index.hotfixStart[d1 + 1], index.hotfixStart[d1])
})

test('strings with characters outside ASCII are stored and read back whole', () => {
  assert.ok(index.groupName.some(id => stringAt(index, id) === 'libüñï'))
})

test('an installed version between two fixed versions reaches the lower one only', () => {
  assert.deepEqual(statesOn([{ name: 'openssl', version: '1.5-1' }]), {
    D3: 'missing', D1: 'installed', D2: 'missing', 'D2-SAME': 'missing', 'D-UNICODE': 'not-applicable', R1: 'not-applicable', W1: 'not-applicable', W2: 'not-applicable'
  })
})

test('an installed version equal to a fixed version, as dpkg orders it, installs every patch fixed at it', () => {
  const states = statesOn([{ name: 'openssl', version: '2.00-1' }])
  assert.equal(states.D2, 'installed')
  assert.equal(states['D2-SAME'], 'installed')
  assert.equal(states.D3, 'missing')
})

test('installed versions below every fixed version and above every fixed version', () => {
  assert.equal(statesOn([{ name: 'openssl', version: '0.9-1' }]).D1, 'superseded')
  assert.deepEqual(Object.values(statesOn([{ name: 'openssl', version: '9.0-1' }, { name: 'libüñï', version: '1.0' }])).filter(s => s !== 'not-applicable'), ['installed', 'installed', 'installed', 'installed', 'installed'])
})
