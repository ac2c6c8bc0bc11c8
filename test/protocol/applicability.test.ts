import assert from 'node:assert/strict'
import { test } from 'node:test'
import { scanInventory } from '../../protocol/scan.ts'
import { compileCatalog } from '../../protocol/compiled-catalog.ts'
import type { Catalog, Patch } from '../../protocol/catalog-types.ts'
import type { Inventory } from '../../protocol/inventory-types.ts'

function patch (id: string, fields: Partial<Patch> = {}): Patch {
  return { id, bulletinId: 'B1', productId: 'debian-12', kind: 'deb', reboot: 'never', supersedes: [], packages: [], hotfixes: [], ...fields }
}

function catalog (patches: Patch[]): Catalog {
  return {
    id: 'test',
    version: 1,
    published: '2026-01-01T00:00:00Z',
    products: [
      { id: 'debian-12', name: 'Debian 12', family: 'deb', detect: [{ os: 'debian', versionId: '12' }] },
      { id: 'rocky-9', name: 'Rocky 9', family: 'rpm', detect: [{ os: 'rocky', versionId: '9' }] },
      { id: 'win-11', name: 'Windows 11', family: 'windows', detect: [{ os: 'windows', versionId: '11' }] }
    ],
    bulletins: [{ id: 'B1', title: 'fixes', severity: 'critical', released: '2026-01-01', cves: ['CVE-2026-0001'], patchIds: patches.map(p => p.id) }],
    patches
  }
}

const debian = (packages: Inventory['packages'], hotfixes: string[] = []): Inventory => ({ host: 'h', os: 'debian', versionId: '12', packages, hotfixes })

function states (patches: Patch[], inventory: Inventory): Record<string, string> {
  const result = scanInventory(compileCatalog(catalog(patches)), inventory)
  return Object.fromEntries(result.patches.map(p => [p.id, p.state]))
}

test('a package below its fixed version makes the patch missing', () => {
  assert.deepEqual(states([patch('P', { packages: [{ name: 'openssl', fixed: '3.0.13-1' }] })], debian([{ name: 'openssl', version: '3.0.11-1' }])), { P: 'missing' })
})

test('a package at or above its fixed version makes the patch installed', () => {
  const p = [patch('P', { packages: [{ name: 'openssl', fixed: '3.0.13-1' }] })]
  assert.deepEqual(states(p, debian([{ name: 'openssl', version: '3.0.13-1' }])), { P: 'installed' })
  assert.deepEqual(states(p, debian([{ name: 'openssl', version: '1:1.0-1' }])), { P: 'installed' })
})

test('dpkg ordering decides: a tilde version is below the release', () => {
  assert.deepEqual(states([patch('P', { packages: [{ name: 'a', fixed: '2.0' }] })], debian([{ name: 'a', version: '2.0~rc1' }])), { P: 'missing' })
})

test('a patch whose packages are all absent is not-applicable', () => {
  assert.deepEqual(states([patch('P', { packages: [{ name: 'nginx', fixed: '1.0' }] })], debian([{ name: 'openssl', version: '1.0' }])), { P: 'not-applicable' })
})

test('a patch for a product the computer does not run is not-applicable', () => {
  const p = [patch('P', { productId: 'rocky-9', kind: 'rpm', packages: [{ name: 'openssl', fixed: '9.9' }] })]
  assert.deepEqual(states(p, debian([{ name: 'openssl', version: '1.0' }])), { P: 'not-applicable' })
})

test('one listed package below fixed is enough to be missing, absent ones do not count', () => {
  const p = [patch('P', { packages: [{ name: 'a', fixed: '2.0' }, { name: 'b', fixed: '2.0' }, { name: 'c', fixed: '2.0' }] })]
  assert.deepEqual(states(p, debian([{ name: 'a', version: '2.0' }, { name: 'b', version: '1.9' }])), { P: 'missing' })
  assert.deepEqual(states(p, debian([{ name: 'a', version: '2.0' }])), { P: 'installed' })
})

test('any architecture copy below fixed makes the patch missing', () => {
  const p = [patch('P', { packages: [{ name: 'libssl3', fixed: '3.0.13-1' }] })]
  const inv = debian([{ name: 'libssl3', version: '3.0.13-1', arch: 'amd64' }, { name: 'libssl3', version: '3.0.11-1', arch: 'i386' }])
  assert.deepEqual(states(p, inv), { P: 'missing' })
})

test('an unparsable installed version counts as missing, never as installed', () => {
  assert.deepEqual(states([patch('P', { packages: [{ name: 'a', fixed: '2.0' }] })], debian([{ name: 'a', version: 'not a version!' }])), { P: 'missing' })
})

test('rpm products are ordered by rpm rules', () => {
  const p = [patch('P', { productId: 'rocky-9', kind: 'rpm', packages: [{ name: 'bash', fixed: '5.1.8-9.el9' }] })]
  const inv: Inventory = { host: 'h', os: 'rocky', versionId: '9', packages: [{ name: 'bash', version: '5.1.8-10.el9' }], hotfixes: [] }
  assert.deepEqual(states(p, inv), { P: 'installed' })
})

test('windows patches are installed when every hotfix is present, missing otherwise', () => {
  const p = [patch('P', { productId: 'win-11', kind: 'msu', hotfixes: ['KB1', 'KB2'] })]
  const win = (hotfixes: string[]): Inventory => ({ host: 'w', os: 'windows', versionId: '11', packages: [], hotfixes })
  assert.deepEqual(states(p, win(['KB1', 'KB2', 'KB3'])), { P: 'installed' })
  assert.deepEqual(states(p, win(['KB1'])), { P: 'missing' })
})

test('a missing patch superseded by a missing patch is superseded', () => {
  const p = [
    patch('OLD', { packages: [{ name: 'a', fixed: '1.1' }] }),
    patch('NEW', { packages: [{ name: 'a', fixed: '1.2' }], supersedes: ['OLD'] })
  ]
  assert.deepEqual(states(p, debian([{ name: 'a', version: '1.0' }])), { OLD: 'superseded', NEW: 'missing' })
})

test('a missing patch superseded by an installed patch is superseded', () => {
  const p = [
    patch('OLD', { packages: [{ name: 'b', fixed: '1.1' }] }),
    patch('NEW', { packages: [{ name: 'a', fixed: '1.0' }], supersedes: ['OLD'] })
  ]
  const result = scanInventory(compileCatalog(catalog(p)), debian([{ name: 'a', version: '1.0' }, { name: 'b', version: '1.0' }]))
  assert.deepEqual(result.patches.map(f => [f.id, f.state, f.supersededBy]), [['OLD', 'superseded', 'NEW'], ['NEW', 'installed', undefined]])
})

test('supersedence is followed through a not-applicable link in the chain', () => {
  const p = [
    patch('P1', { packages: [{ name: 'a', fixed: '1.1' }] }),
    patch('P2', { packages: [{ name: 'gone', fixed: '1.2' }], supersedes: ['P1'] }),
    patch('P3', { packages: [{ name: 'a', fixed: '1.3' }], supersedes: ['P2'] })
  ]
  assert.deepEqual(states(p, debian([{ name: 'a', version: '1.0' }])), { P1: 'superseded', P2: 'not-applicable', P3: 'missing' })
})

test('a missing patch whose superseders are all not-applicable stays missing', () => {
  const p = [
    patch('P1', { packages: [{ name: 'a', fixed: '1.1' }] }),
    patch('P2', { packages: [{ name: 'gone', fixed: '1.2' }], supersedes: ['P1'] })
  ]
  assert.deepEqual(states(p, debian([{ name: 'a', version: '1.0' }])), { P1: 'missing', P2: 'not-applicable' })
})

test('an installed patch stays installed even when superseded', () => {
  const p = [
    patch('P1', { packages: [{ name: 'a', fixed: '1.0' }] }),
    patch('P2', { packages: [{ name: 'a', fixed: '2.0' }], supersedes: ['P1'] })
  ]
  assert.deepEqual(states(p, debian([{ name: 'a', version: '1.5' }])), { P1: 'installed', P2: 'missing' })
})

test('a supersedence chain of 100,000 patches is evaluated without recursion', () => {
  const n = 100_000
  const p = Array.from({ length: n }, (_, i) => patch(`P${i}`, { packages: [{ name: 'a', fixed: `1.${i}` }], supersedes: i === 0 ? [] : [`P${i - 1}`] }))
  const result = scanInventory(compileCatalog(catalog(p)), debian([{ name: 'a', version: '1.0' }]))
  assert.equal(result.summary.missing, 1)
  assert.equal(result.summary.superseded, n - 2)
  assert.equal(result.summary.installed, 1)
})

test('the summary counts every state', () => {
  const p = [
    patch('M', { packages: [{ name: 'a', fixed: '2.0' }] }),
    patch('I', { packages: [{ name: 'a', fixed: '1.0' }] }),
    patch('N', { packages: [{ name: 'z', fixed: '1.0' }] })
  ]
  const result = scanInventory(compileCatalog(catalog(p)), debian([{ name: 'a', version: '1.5' }]))
  assert.deepEqual(result.summary, { missing: 1, superseded: 0, installed: 1, 'not-applicable': 1 })
})

test('compiling refuses a fixed version the product family cannot order', () => {
  assert.throws(() => compileCatalog(catalog([patch('P', { packages: [{ name: 'a', fixed: '' }] })])), { code: 'ERR_BAD_VERSION' })
})

test('compiling refuses a supersedes cycle', () => {
  const p = [patch('A', { packages: [{ name: 'a', fixed: '1' }], supersedes: ['B'] }), patch('B', { packages: [{ name: 'a', fixed: '1' }], supersedes: ['A'] })]
  assert.throws(() => compileCatalog(catalog(p)), { code: 'ERR_SUPERSEDES_CYCLE' })
})
