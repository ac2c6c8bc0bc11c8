import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { INVENTORY_NAMESPACE, MAX_INVENTORY_BYTES, parseInventory, serializeInventory } from '../../protocol/inventory.ts'
import type { Inventory } from '../../protocol/inventory-types.ts'
import { expectFormatError } from '../helpers/format-error.ts'

const EXAMPLE = new URL('../../node/examples/inventory-windows.xml', import.meta.url)

/** An inventory document for a Debian 12 host holding `body`. */
function inventory (body: string, rootAttributes = 'host="web-1" os="debian" versionId="12"'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Inventory xmlns="${INVENTORY_NAMESPACE}" ${rootAttributes}>\n${body}\n</Inventory>\n`
}

const rejects = expectFormatError

describe('parseInventory', () => {
  it('parses the example inventory', () => {
    const parsed = parseInventory(readFileSync(EXAMPLE), { source: 'inventory-windows.xml' })
    assert.equal(parsed.host, 'BRANCH-FS01')
    assert.equal(parsed.os, 'windows')
    assert.equal(parsed.versionId, '10.0.20348')
    assert.deepEqual(parsed.packages[0], { name: '7-Zip', version: '24.08', arch: 'x64' })
    assert.deepEqual(parsed.packages[2], { name: 'Microsoft Edge', version: '142.0.3595.53' })
    assert.deepEqual(parsed.hotfixes, ['KB5065432', 'KB5062553', 'KB5012170'])
  })

  it('keeps one entry per architecture and several versions of one package', () => {
    const parsed = parseInventory(inventory(
      '<Package name="libc6" version="2.36-9+deb12u14" arch="amd64"/><Package name="libc6" version="2.36-9+deb12u14" arch="i386"/>' +
      '<Package name="kernel" version="5.14.0-503.el9" arch="x86_64"/><Package name="kernel" version="5.14.0-570.el9" arch="x86_64"/>'))
    assert.equal(parsed.packages.length, 4)
    assert.deepEqual(parsed.hotfixes, [])
  })

  it('has a 64 MiB default size limit', () => {
    assert.equal(MAX_INVENTORY_BYTES, 64 * 1024 * 1024)
  })

  const invalid: Array<[string, string]> = [
    ['a wrong root element', `<Catalog xmlns="${INVENTORY_NAMESPACE}" host="h" os="debian" versionId="12"/>`],
    ['a wrong namespace', '<Inventory xmlns="urn:patchmesh:catalog:1" host="h" os="debian" versionId="12"/>'],
    ['a missing host', inventory('', 'os="debian" versionId="12"')],
    ['an empty os', inventory('', 'host="h" os="" versionId="12"')],
    ['a missing versionId', inventory('', 'host="h" os="debian"')],
    ['an unknown root attribute', inventory('', 'host="h" os="debian" versionId="12" kernel="6.1"')],
    ['a package without version', inventory('<Package name="bash"/>')],
    ['an empty architecture', inventory('<Package name="bash" version="5.2" arch=""/>')],
    ['an unknown package attribute', inventory('<Package name="bash" version="5.2" status="installed"/>')],
    ['a hotfix without id', inventory('<Hotfix/>')],
    ['a package with text', inventory('<Package name="bash" version="5.2">5.2.15</Package>')],
    ['an unknown element', inventory('<Service name="sshd"/>')],
    ['stray text', inventory('bash 5.2')]
  ]
  for (const [name, document] of invalid) {
    it(`refuses ${name}`, () => { rejects(() => parseInventory(document), 'ERR_SCHEMA') })
  }

  it('refuses a document over maxBytes before parsing it', () => {
    rejects(() => parseInventory(Buffer.alloc(1025, '<'), { maxBytes: 1024 }), 'ERR_TOO_LARGE')
  })

  it('refuses entities, external or expanding', () => {
    rejects(() => parseInventory(`<!DOCTYPE Inventory [<!ENTITY x SYSTEM "file:///etc/passwd">]><Inventory xmlns="${INVENTORY_NAMESPACE}" host="&x;" os="debian" versionId="12"/>`), 'ERR_XML_FORBIDDEN')
    rejects(() => parseInventory(`<!DOCTYPE Inventory [<!ENTITY x SYSTEM "http://attacker.example/x">]><Inventory xmlns="${INVENTORY_NAMESPACE}" host="&x;" os="debian" versionId="12"/>`), 'ERR_XML_FORBIDDEN')
  })

  it('refuses malformed XML and nesting deeper than the format', () => {
    rejects(() => parseInventory(inventory('<Package name="bash" version="5.2">')), 'ERR_XML_MALFORMED')
    rejects(() => parseInventory(inventory('<Package name="a" version="1"><x><y/></x></Package>')), 'ERR_XML_TOO_DEEP')
  })
})

describe('serializeInventory', () => {
  const sample: Inventory = {
    host: 'web-1',
    os: 'debian',
    versionId: '12',
    packages: [{ name: 'libc6', version: '2.36-9+deb12u14', arch: 'amd64' }, { name: 'tzdata', version: '2025b-0+deb12u1' }],
    hotfixes: ['KB5034441']
  }

  it('writes a document that parses back to the same inventory', () => {
    const xml = serializeInventory(sample)
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Inventory xmlns="urn:patchmesh:inventory:1" '))
    assert.deepEqual(parseInventory(xml), sample)
  })

  it('escapes markup, quotes and whitespace so values survive exactly', () => {
    const awkward: Inventory = {
      host: 'R&D "lab" <01>',
      os: "o'neil",
      versionId: ' 12\t\r\n',
      packages: [{ name: 'a&b', version: '1.0-1~<rc>&"x"', arch: 'é😀' }],
      hotfixes: ['KB&1']
    }
    const xml = serializeInventory(awkward)
    assert.ok(!xml.includes('R&D'), 'ampersand escaped')
    assert.deepEqual(parseInventory(xml), awkward)
  })

  it('round-trips the example inventory', () => {
    const parsed = parseInventory(readFileSync(EXAMPLE))
    assert.deepEqual(parseInventory(serializeInventory(parsed)), parsed)
  })

  it('refuses values no inventory document can carry', () => {
    rejects(() => serializeInventory({ ...sample, host: '' }), 'ERR_SCHEMA')
    rejects(() => serializeInventory({ ...sample, packages: [{ name: 'a', version: '1\u0000' }] }), 'ERR_SCHEMA')
    rejects(() => serializeInventory({ ...sample, hotfixes: ['KB\uD800'] }), 'ERR_SCHEMA')
  })
})
