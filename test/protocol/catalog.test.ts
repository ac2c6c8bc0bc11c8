import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { CATALOG_NAMESPACE, MAX_CATALOG_BYTES, parseCatalog } from '../../protocol/catalog.ts'
import { FormatError } from '../../protocol/errors.ts'
import type { FormatErrorCode } from '../../protocol/errors.ts'
import { expectFormatError } from '../helpers/format-error.ts'

const EXAMPLE = new URL('../../node/examples/catalog.xml', import.meta.url)

const DEBIAN = '<Product id="debian-12" name="Debian 12" family="deb"><Detect os="debian" versionId="12"/></Product>'
const WINDOWS = '<Product id="ws2022" name="Windows Server 2022" family="windows"><Detect os="windows" versionId="10.0.20348"/></Product>'

/** A catalog document around the given products and bulletins. */
function catalog (body: string, rootAttributes = 'id="c" version="3" published="2026-11-01T00:00:00Z"'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Catalog xmlns="${CATALOG_NAMESPACE}" ${rootAttributes}>\n${body}\n</Catalog>\n`
}

/** One bulletin holding the given patches. */
function bulletin (patches: string, id = 'B-1', attributes = 'title="t" severity="important" released="2026-10-01"'): string {
  return `<Bulletin id="${id}" ${attributes}><Cve>CVE-2026-1001</Cve>${patches}</Bulletin>`
}

/** A debian-12 patch detecting through one package. */
function patch (id: string, extra = '', detectors = '<Package name="openssl" fixed="3.0.13-1"/>'): string {
  return `<Patch id="${id}" product="debian-12" kind="deb" reboot="never"${extra}>${detectors}</Patch>`
}

function rejects (document: string | Uint8Array, code: FormatErrorCode, options = {}): FormatError {
  return expectFormatError(() => parseCatalog(document, { source: 'catalog.xml', ...options }), code)
}

describe('parseCatalog: valid catalogs', () => {
  it('parses the example catalog', () => {
    const parsed = parseCatalog(readFileSync(EXAMPLE), { source: 'catalog.xml' })
    assert.equal(parsed.id, 'patchmesh-example')
    assert.equal(parsed.version, 12)
    assert.equal(parsed.expires, undefined)
    assert.equal(parsed.products.length, 6)
    assert.equal(parsed.bulletins.length, 15)
    assert.equal(parsed.patches.length, 22)
    assert.deepEqual(parsed.products.find(product => product.id === 'rocky-9')?.detect.map(detect => detect.versionId), ['9.4', '9.5', '9.6'])
    const curl = parsed.bulletins.find(item => item.id === 'PMSA-2023-0091')
    assert.deepEqual(curl?.cves, ['CVE-2023-38545', 'CVE-2023-38546'])
    assert.deepEqual(curl?.patchIds, ['PMSA-2023-0091-deb12', 'PMSA-2023-0091-deb11'])
    assert.deepEqual(parsed.patches.find(item => item.id === 'PMSA-2026-0171-deb12'), {
      id: 'PMSA-2026-0171-deb12',
      bulletinId: 'PMSA-2026-0171',
      productId: 'debian-12',
      kind: 'deb',
      reboot: 'never',
      supersedes: ['PMSA-2026-0133-deb12'],
      packages: [{ name: 'libxml2', fixed: '2.9.14+dfsg-1.3~deb12u7' }],
      hotfixes: []
    })
    assert.deepEqual(parsed.patches.find(item => item.id === 'PMSA-2026-1013-ws2022')?.hotfixes, ['KB5066782'])
  })

  it('reads expires, several supersedes, products after bulletins, and bytes like strings', () => {
    const document = catalog(
      bulletin(patch('P1') + patch('P2') + patch('P3', ' supersedes="P1  P2"')) + DEBIAN,
      'id="c" version="7" published="2026-11-01" expires="2026-12-01T00:00:00Z"')
    const parsed = parseCatalog(document)
    assert.equal(parsed.expires, '2026-12-01T00:00:00Z')
    assert.deepEqual(parsed.patches[2]?.supersedes, ['P1', 'P2'])
    assert.deepEqual(parseCatalog(new TextEncoder().encode(document)), parsed)
  })

  it('accepts a supersedes chain 100,000 patches long', () => {
    const patches = Array.from({ length: 100_000 }, (_, i) => patch(`P${i}`, i === 0 ? '' : ` supersedes="P${i - 1}"`)).join('\n')
    assert.equal(parseCatalog(catalog(DEBIAN + bulletin(patches))).patches.length, 100_000)
  })

  it('has a 256 MiB default size limit', () => {
    assert.equal(MAX_CATALOG_BYTES, 256 * 1024 * 1024)
  })
})

describe('parseCatalog: schema rules', () => {
  const invalid: Array<[string, string]> = [
    ['a wrong root element', '<Catalogue xmlns="urn:patchmesh:catalog:1" id="c" version="1" published="2026-11-01"/>'],
    ['a wrong namespace', '<Catalog xmlns="urn:patchmesh:catalog:2" id="c" version="1" published="2026-11-01"/>'],
    ['a missing namespace', '<Catalog id="c" version="1" published="2026-11-01"/>'],
    ['version 0', catalog(DEBIAN, 'id="c" version="0" published="2026-11-01"')],
    ['a negative version', catalog(DEBIAN, 'id="c" version="-2" published="2026-11-01"')],
    ['a fractional version', catalog(DEBIAN, 'id="c" version="1.5" published="2026-11-01"')],
    ['a missing catalog id', catalog(DEBIAN, 'version="1" published="2026-11-01"')],
    ['a published date that is not ISO', catalog(DEBIAN, 'id="c" version="1" published="1 Nov 2026"')],
    ['expires before published', catalog(DEBIAN, 'id="c" version="1" published="2026-11-01" expires="2026-10-01"')],
    ['an unknown catalog attribute', catalog(DEBIAN, 'id="c" version="1" published="2026-11-01" signer="me"')],
    ['an unknown element', catalog(`${DEBIAN}<Vendor id="v"/>`)],
    ['text between elements', catalog(`${DEBIAN} stray text`)],
    ['an unknown family', catalog('<Product id="p" name="P" family="apk"><Detect os="alpine" versionId="3.20"/></Product>')],
    ['a product without detectors', catalog('<Product id="p" name="P" family="deb"/>')],
    ['a detector without versionId', catalog('<Product id="p" name="P" family="deb"><Detect os="debian"/></Product>')],
    ['an unknown severity', catalog(DEBIAN + bulletin(patch('P1'), 'B-1', 'title="t" severity="urgent" released="2026-10-01"'))],
    ['a released date not on the calendar', catalog(DEBIAN + bulletin(patch('P1'), 'B-1', 'title="t" severity="low" released="2026-02-30"'))],
    ['a missing title', catalog(DEBIAN + bulletin(patch('P1'), 'B-1', 'severity="low" released="2026-10-01"'))],
    ['a bulletin without patches', catalog(`${DEBIAN}<Bulletin id="B" title="t" severity="low" released="2026-10-01"><Cve>CVE-2026-1001</Cve></Bulletin>`)],
    ['a malformed CVE id', catalog(`${DEBIAN}<Bulletin id="B" title="t" severity="low" released="2026-10-01"><Cve>CVE 2026 1001</Cve>${patch('P1')}</Bulletin>`)],
    ['an empty CVE', catalog(`${DEBIAN}<Bulletin id="B" title="t" severity="low" released="2026-10-01"><Cve/>${patch('P1')}</Bulletin>`)],
    ['an unknown reboot behaviour', catalog(DEBIAN + bulletin('<Patch id="P1" product="debian-12" kind="deb" reboot="sometimes"><Package name="a" fixed="1"/></Patch>'))],
    ['an unknown installer kind', catalog(DEBIAN + bulletin('<Patch id="P1" product="debian-12" kind="apk" reboot="never"><Package name="a" fixed="1"/></Patch>'))],
    ['a missing kind', catalog(DEBIAN + bulletin('<Patch id="P1" product="debian-12" reboot="never"><Package name="a" fixed="1"/></Patch>'))],
    ['an unknown patch attribute', catalog(DEBIAN + bulletin(patch('P1', ' url="http://x"')))],
    ['a patch without detectors', catalog(DEBIAN + bulletin(patch('P1', '', '')))],
    ['a package without fixed version', catalog(DEBIAN + bulletin(patch('P1', '', '<Package name="openssl"/>')))],
    ['a package with content', catalog(DEBIAN + bulletin(patch('P1', '', '<Package name="a" fixed="1">text</Package>')))],
    ['a hotfix on a deb product', catalog(DEBIAN + bulletin(patch('P1', '', '<Package name="a" fixed="1"/><Hotfix id="KB1"/>')))],
    ['a package on a windows product', catalog(WINDOWS + bulletin('<Patch id="P1" product="ws2022" kind="msu" reboot="always"><Package name="a" fixed="1"/></Patch>'))],
    ['a windows patch without hotfixes', catalog(WINDOWS + bulletin('<Patch id="P1" product="ws2022" kind="msu" reboot="always"></Patch>'))],
    ['an empty supersedes list', catalog(DEBIAN + bulletin(patch('P1', ' supersedes=" "')))]
  ]
  for (const [name, document] of invalid) {
    it(`refuses ${name}`, () => { rejects(document, 'ERR_SCHEMA') })
  }

  it('names the file, line, element, attribute and the expected values', () => {
    const document = catalog(DEBIAN + '\n' + bulletin('\n<Patch id="P1" product="debian-12" reboot="never"><Package name="a" fixed="1"/></Patch>'))
    const error = rejects(document, 'ERR_SCHEMA')
    assert.equal(error.message, 'catalog.xml, line 5, <Patch>: attribute "kind" missing; expected one of deb, rpm, msi, msu, exe, sh')
  })

  it('refuses elements nested deeper than the format', () => {
    rejects(catalog(DEBIAN + bulletin(patch('P1', '', '<Package name="a" fixed="1"><x/></Package>'))), 'ERR_XML_TOO_DEEP')
  })
})

describe('parseCatalog: identities and references', () => {
  const duplicates: Array<[string, string]> = [
    ['product ids', catalog(DEBIAN + DEBIAN)],
    ['bulletin ids', catalog(DEBIAN + bulletin(patch('P1')) + bulletin(patch('P2')))],
    ['patch ids across bulletins', catalog(DEBIAN + bulletin(patch('P1')) + bulletin(patch('P1'), 'B-2'))],
    ['packages in one patch', catalog(DEBIAN + bulletin(patch('P1', '', '<Package name="a" fixed="1"/><Package name="a" fixed="2"/>')))],
    ['hotfixes in one patch', catalog(WINDOWS + bulletin('<Patch id="P1" product="ws2022" kind="msu" reboot="always"><Hotfix id="KB1"/><Hotfix id="KB1"/></Patch>'))],
    ['CVEs in one bulletin', catalog(`${DEBIAN}<Bulletin id="B" title="t" severity="low" released="2026-10-01"><Cve>CVE-2026-1001</Cve><Cve>CVE-2026-1001</Cve>${patch('P1')}</Bulletin>`)],
    ['ids in one supersedes list', catalog(DEBIAN + bulletin(patch('P1') + patch('P2', ' supersedes="P1 P1"')))]
  ]
  for (const [name, document] of duplicates) {
    it(`refuses duplicate ${name}`, () => { rejects(document, 'ERR_DUPLICATE_ID') })
  }

  it('locates a duplicate id at its second definition', () => {
    const error = rejects(catalog(`${DEBIAN}\n\n${DEBIAN}`), 'ERR_DUPLICATE_ID')
    assert.equal(error.location.line, 5)
  })

  it('refuses a patch for an unknown product', () => {
    rejects(catalog(DEBIAN + bulletin(patch('P1').replace('debian-12', 'debian-13'))), 'ERR_UNKNOWN_REFERENCE')
  })

  it('refuses superseding an unknown patch', () => {
    rejects(catalog(DEBIAN + bulletin(patch('P1', ' supersedes="P0"'))), 'ERR_UNKNOWN_REFERENCE')
  })

  it('refuses a patch that supersedes itself', () => {
    rejects(catalog(DEBIAN + bulletin(patch('P1', ' supersedes="P1"'))), 'ERR_SUPERSEDES_CYCLE')
  })

  it('refuses supersedes cycles of two and three patches', () => {
    rejects(catalog(DEBIAN + bulletin(patch('P1', ' supersedes="P2"') + patch('P2', ' supersedes="P1"'))), 'ERR_SUPERSEDES_CYCLE')
    rejects(catalog(DEBIAN + bulletin(patch('P1', ' supersedes="P3"') + patch('P2', ' supersedes="P1"') + patch('P3', ' supersedes="P2"'))), 'ERR_SUPERSEDES_CYCLE')
  })

  it('refuses a cycle closing a chain 100,000 patches long, without recursion', () => {
    const patches = Array.from({ length: 100_000 }, (_, i) => patch(`P${i}`, ` supersedes="P${(i + 99_999) % 100_000}"`)).join('\n')
    rejects(catalog(DEBIAN + bulletin(patches)), 'ERR_SUPERSEDES_CYCLE')
  })

  it('accepts diamonds: two patches superseding the same one', () => {
    const parsed = parseCatalog(catalog(DEBIAN + bulletin(patch('P1') + patch('P2', ' supersedes="P1"') + patch('P3', ' supersedes="P1"') + patch('P4', ' supersedes="P2 P3"'))))
    assert.equal(parsed.patches.length, 4)
  })
})

describe('parseCatalog: hostile input', () => {
  it('refuses a document over maxBytes before parsing it', () => {
    rejects(Buffer.alloc(4097, '<'), 'ERR_TOO_LARGE', { maxBytes: 4096 })
    rejects(catalog(DEBIAN), 'ERR_TOO_LARGE', { maxBytes: 100 })
  })

  it('refuses a billion-laughs catalog', () => {
    rejects('<!DOCTYPE Catalog [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      `<Catalog xmlns="${CATALOG_NAMESPACE}" id="&b;" version="1" published="2026-11-01"/>`, 'ERR_XML_FORBIDDEN')
  })

  it('refuses an external entity in a catalog', () => {
    rejects(`<!DOCTYPE Catalog [<!ENTITY x SYSTEM "file:///etc/passwd">]><Catalog xmlns="${CATALOG_NAMESPACE}" id="&x;" version="1" published="2026-11-01"/>`, 'ERR_XML_FORBIDDEN')
  })

  it('refuses malformed XML', () => {
    rejects(catalog(DEBIAN + '<Bulletin id="B">'), 'ERR_XML_MALFORMED')
  })

  it('refuses a huge attribute', () => {
    rejects(catalog(DEBIAN + bulletin(patch('P1'), 'B-1', `title="${'x'.repeat(1_000_000)}" severity="low" released="2026-10-01"`)), 'ERR_TOO_LARGE')
  })
})
