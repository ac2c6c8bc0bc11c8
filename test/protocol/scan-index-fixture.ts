import { compileCatalog } from '../../protocol/compiled-catalog.ts'
import type { Catalog, Patch } from '../../protocol/catalog-types.ts'
import type { CompiledCatalog } from '../../protocol/compiled-catalog.ts'
import type { Inventory } from '../../protocol/inventory-types.ts'

function patch (id: string, fields: Partial<Patch> = {}): Patch {
  return { id, bulletinId: 'B1', productId: 'debian-12', kind: 'deb', reboot: 'never', supersedes: [], packages: [], hotfixes: [], ...fields }
}

/**
 * A catalog with every shape a scan index holds: deb, rpm and windows products, one package in
 * two families, fixed versions out of order and two that order equal, supersedence, hotfixes and
 * a non-ASCII name (UTF-16 and UTF-8 lengths differ).
 */
export function indexFixture (version = 7): CompiledCatalog {
  const patches = [
    patch('D3', { packages: [{ name: 'openssl', fixed: '3.0-1' }], supersedes: ['D1'] }),
    patch('D1', { packages: [{ name: 'openssl', fixed: '1.0-1' }] }),
    patch('D2', { packages: [{ name: 'openssl', fixed: '2.0-1' }, { name: 'zlib', fixed: '1:1.2' }] }),
    patch('D2-SAME', { packages: [{ name: 'openssl', fixed: '2.00-1' }] }),
    patch('D-UNICODE', { packages: [{ name: 'libüñï', fixed: '1.0~ß' }] }),
    patch('R1', { productId: 'rocky-9', kind: 'rpm', packages: [{ name: 'openssl', fixed: '3.0.7-1.el9' }] }),
    patch('W1', { productId: 'win-11', kind: 'msu', hotfixes: ['KB5000001', 'KB5000002'] }),
    patch('W2', { productId: 'win-11', kind: 'msu', hotfixes: ['KB5000003'], supersedes: ['W1'] })
  ]
  const catalog: Catalog = {
    id: 'fixture',
    version,
    published: '2026-01-01T00:00:00Z',
    products: [
      { id: 'debian-12', name: 'Debian 12', family: 'deb', detect: [{ os: 'debian', versionId: '12' }, { os: 'debian', versionId: '12.1' }] },
      { id: 'rocky-9', name: 'Rocky 9', family: 'rpm', detect: [{ os: 'rocky', versionId: '9' }] },
      { id: 'win-11', name: 'Windows 11', family: 'windows', detect: [{ os: 'windows', versionId: '11' }] }
    ],
    bulletins: [{ id: 'B1', title: 'fixes', severity: 'critical', released: '2026-01-01', cves: [], patchIds: patches.map(p => p.id) }],
    patches
  }
  return compileCatalog(catalog)
}

/** A catalog of 300 patches with long package names: its columns need 2 and 4 bytes per value. */
export function wideFixture (): CompiledCatalog {
  const base = indexFixture()
  const patches = Array.from({ length: 300 }, (_, i) => patch(`P${i}`, {
    packages: [{ name: `pkg-${i}-${'x'.repeat(250)}`, fixed: `1.${i}` }],
    supersedes: i === 0 ? [] : [`P${i - 1}`]
  }))
  return compileCatalog({ ...base, products: [{ id: 'debian-12', name: 'Debian 12', family: 'deb', detect: [{ os: 'debian', versionId: '12' }] }], bulletins: [{ id: 'B1', title: 'fixes', severity: 'critical', released: '2026-01-01', cves: [], patchIds: patches.map(p => p.id) }], patches })
}

/** A Debian 12 computer with the given packages. */
export function debian (packages: Inventory['packages']): Inventory {
  return { host: 'h', os: 'debian', versionId: '12', packages, hotfixes: [] }
}
