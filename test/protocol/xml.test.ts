import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { XMLParser } from 'fast-xml-parser'
import {
  allowAttributes, childElements, choiceAttribute, dateAttribute, expectEmpty, expectRoot, integerAttribute,
  optionalAttribute, readXml, requiredAttribute, textContent
} from '../../protocol/xml.ts'
import type { XmlElement, XmlLimits } from '../../protocol/xml.ts'
import { expectFormatError } from '../helpers/format-error.ts'

const LIMITS: XmlLimits = { maxBytes: 1024 * 1024 }
const read = (input: Uint8Array | string, limits: Partial<XmlLimits> = {}): XmlElement => readXml(input, { ...LIMITS, ...limits, source: 'test.xml' })

const rejects = expectFormatError

describe('readXml: well-formed documents', () => {
  it('reads elements, attributes, text and children in document order', () => {
    const root = read('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1" y=\'two\'><b/><c>text</c><!-- note --><b z="3"></b></a>\n')
    assert.equal(root.name, 'a')
    assert.deepEqual(root.attributeNames, ['x', 'y'])
    assert.equal(root.attribute('y'), 'two')
    assert.equal(root.attribute('missing'), undefined)
    assert.deepEqual(root.children.map(child => child.name), ['b', 'c', 'b'])
    assert.equal(root.children[1]?.text, 'text')
    assert.equal(root.children[2]?.attribute('z'), '3')
  })

  it('decodes the five predefined entities and character references, nothing else', () => {
    const root = read('<a v="&lt;&gt;&amp;&quot;&apos;&#65;&#x1F600;">&lt;b&gt; &amp; &#233;</a>')
    assert.equal(root.attribute('v'), '<>&"\'A😀')
    assert.equal(root.text, '<b> & é')
  })

  it('normalises literal whitespace in attribute values but keeps referenced whitespace', () => {
    const root = read('<a v="one\ttwo\r\nthree" w="x&#10;y&#9;z"/>')
    assert.equal(root.attribute('v'), 'one two three')
    assert.equal(root.attribute('w'), 'x\ny\tz')
  })

  it('keeps CDATA as text, without decoding it', () => {
    assert.equal(read('<a><![CDATA[<not> &markup;]]></a>').text, '<not> &markup;')
  })

  it('accepts a byte order mark on bytes and on strings', () => {
    assert.equal(read(new Uint8Array([0xEF, 0xBB, 0xBF, ...new TextEncoder().encode('<a/>')])).name, 'a')
    assert.equal(read('\uFEFF<a/>').name, 'a')
  })

  it('gives the same result for bytes and for the string they encode', () => {
    const text = '<a n="é€😀"><b>ü</b></a>'
    const fromBytes = read(new TextEncoder().encode(text))
    const fromString = read(text)
    assert.equal(fromBytes.attribute('n'), fromString.attribute('n'))
    assert.equal(fromBytes.children[0]?.text, 'ü')
  })

  it('counts lines across LF, CRLF and CR line ends', () => {
    const root = read('<a>\r\n<b/>\n<c/>\r<d/></a>')
    assert.deepEqual(root.children.map(child => child.line), [2, 3, 4])
  })
})

describe('readXml agrees with fast-xml-parser on well-formed documents', () => {
  type Tree = { name: string, attributes: Record<string, string>, text: string, children: Tree[] }
  const ours = (element: XmlElement): Tree => ({
    name: element.name,
    attributes: Object.fromEntries(element.attributeNames.map(name => [name, element.attribute(name) ?? ''])),
    text: element.text.trim(),
    children: element.children.map(ours)
  })
  type Node = Record<string, unknown> & { ':@'?: Record<string, string> }
  const theirs = (node: Node): Tree => {
    const name = Object.keys(node).find(key => key !== ':@') ?? ''
    const content = node[name] as Node[]
    return {
      name,
      attributes: { ...node[':@'] },
      text: content.map(child => child['#text'] ?? '').join('').trim(),
      children: content.filter(child => child['#text'] === undefined).map(theirs)
    }
  }
  const oracle = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', ignoreDeclaration: true, parseTagValue: false, maxNestedTags: 64 })

  for (const fixture of ['catalog.xml', 'inventory-windows.xml']) {
    it(`reads ${fixture} as fast-xml-parser does`, () => {
      const bytes = readFileSync(new URL(`../../node/examples/${fixture}`, import.meta.url))
      assert.deepEqual(ours(read(bytes)), theirs(oracle.parse(bytes.toString())[0] as Node))
    })
  }

  it('reads predefined entities, CDATA and comments as fast-xml-parser does', () => {
    const document = '<a t="x &amp; y &lt;z&gt; &quot;q&quot;"><b>1 &lt; 2</b><!-- c --><c><![CDATA[<raw>]]></c></a>'
    assert.deepEqual(ours(read(document)), theirs(oracle.parse(document)[0] as Node))
  })
})

describe('readXml: malformed documents', () => {
  const cases: Array<[string, string]> = [
    ['mismatched end tag', '<a><b></a></b>'],
    ['unclosed element', '<a><b></b>'],
    ['end tag without start', '</a>'],
    ['repeated attribute', '<a x="1" x="2"/>'],
    ['unquoted attribute', '<a x=1/>'],
    ['attribute without value', '<a x/>'],
    ['attributes without whitespace', '<a x="1"y="2"/>'],
    ['"<" in an attribute value', '<a x="<"/>'],
    ['two root elements', '<a/><b/>'],
    ['text before the root', 'hello<a/>'],
    ['text after the root', '<a/>bye'],
    ['no root element', '  <!-- nothing -->  '],
    ['empty document', ''],
    ['invalid element name', '<1a/>'],
    ['bare ampersand', '<a>fish & chips</a>'],
    ['reference to no character', '<a>&#0;</a>'],
    ['"]]>" in text', '<a>]]></a>'],
    ['"--" inside a comment', '<a><!-- a -- b --></a>'],
    ['unclosed comment', '<a><!-- </a>'],
    ['unclosed CDATA', '<a><![CDATA[ </a>'],
    ['XML declaration not at the start', ' <?xml version="1.0"?><a/>'],
    ['control character', '<a>\u0001</a>'],
    ['unclosed start tag', '<a x="1"'],
    ['unclosed attribute value', '<a x="1/>']
  ]
  for (const [name, document] of cases) {
    it(`refuses ${name}`, () => { rejects(() => read(document), 'ERR_XML_MALFORMED') })
  }

  it('refuses invalid UTF-8 and names its line', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('<a>\n<b>'), 0xC3, 0x28, ...new TextEncoder().encode('</b></a>')])
    assert.equal(rejects(() => read(bytes), 'ERR_XML_MALFORMED').location.line, 2)
  })

  it('refuses UTF-8 cut off in the middle of a character', () => {
    rejects(() => read(new Uint8Array([0x3C, 0x61, 0x3E, 0xE2, 0x82])), 'ERR_XML_MALFORMED')
  })

  it('refuses a string with an unpaired surrogate', () => {
    rejects(() => read('<a>\uD800</a>'), 'ERR_XML_MALFORMED')
  })

  it('reports the line of the problem', () => {
    assert.equal(rejects(() => read('<a>\n\n  <b x="1" x="2"/>\n</a>'), 'ERR_XML_MALFORMED').location.line, 3)
  })
})

describe('readXml: forbidden constructs', () => {
  it('refuses a billion-laughs document before expanding anything', () => {
    const laughs = ['<!ENTITY lol "lol">']
    for (let i = 1; i <= 9; i++) laughs.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`)
    const document = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n${laughs.join('\n')}\n]>\n<lolz>&lol9;</lolz>`
    const before = process.memoryUsage().heapUsed
    rejects(() => read(document), 'ERR_XML_FORBIDDEN')
    assert.ok(process.memoryUsage().heapUsed - before < 16 * 1024 * 1024, 'bounded memory')
  })

  it('refuses an external entity on the local file system', () => {
    rejects(() => read('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>'), 'ERR_XML_FORBIDDEN')
  })

  it('refuses an external entity over http', () => {
    rejects(() => read('<!DOCTYPE a [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]><a/>'), 'ERR_XML_FORBIDDEN')
  })

  it('refuses an external DTD', () => {
    rejects(() => read('<!DOCTYPE a SYSTEM "http://attacker.example/a.dtd"><a/>'), 'ERR_XML_FORBIDDEN')
  })

  it('refuses a reference to an undeclared entity', () => {
    rejects(() => read('<a>&xxe;</a>'), 'ERR_XML_FORBIDDEN')
    rejects(() => read('<a v="&nbsp;"/>'), 'ERR_XML_FORBIDDEN')
  })

  it('refuses <!ENTITY> outside a DTD', () => {
    rejects(() => read('<a><!ENTITY x "y"></a>'), 'ERR_XML_FORBIDDEN')
  })

  it('refuses processing instructions', () => {
    rejects(() => read('<?xml-stylesheet href="evil.xsl"?><a/>'), 'ERR_XML_FORBIDDEN')
    rejects(() => read('<a><?php system("id"); ?></a>'), 'ERR_XML_FORBIDDEN')
  })

  it('refuses encodings other than UTF-8 and XML versions other than 1.0', () => {
    rejects(() => read('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'), 'ERR_XML_FORBIDDEN')
    rejects(() => read('<?xml version="1.1"?><a/>'), 'ERR_XML_FORBIDDEN')
  })
})

describe('readXml: limits', () => {
  it('refuses bytes over maxBytes before decoding them', () => {
    // Parsing these bytes would fail as malformed: ERR_TOO_LARGE shows the size check came first.
    rejects(() => read(Buffer.alloc(16 * 1024 + 1, '<'), { maxBytes: 16 * 1024 }), 'ERR_TOO_LARGE')
  })

  it('refuses a claimed size of 1 GB without reading the input', () => {
    const claimed = Object.defineProperty(new Uint8Array(8), 'byteLength', { value: 1024 ** 3 })
    rejects(() => readXml(claimed, { maxBytes: 256 * 1024 * 1024 }), 'ERR_TOO_LARGE')
  })

  it('measures strings in UTF-8 bytes, not characters', () => {
    read(`<a>${'x'.repeat(90)}</a>`, { maxBytes: 100 })
    rejects(() => read(`<a>${'é'.repeat(60)}</a>`, { maxBytes: 100 }), 'ERR_TOO_LARGE')
  })

  it('refuses elements nested deeper than maxDepth, even 100,000 levels', () => {
    read('<a><a><a/></a></a>', { maxDepth: 3 })
    rejects(() => read('<a><a><a><a/></a></a></a>', { maxDepth: 3 }), 'ERR_XML_TOO_DEEP')
    rejects(() => read(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`), 'ERR_XML_TOO_DEEP')
  })

  it('refuses huge attribute values and texts', () => {
    rejects(() => read(`<a v="${'x'.repeat(100_001)}"/>`, { maxValueLength: 100_000 }), 'ERR_TOO_LARGE')
    rejects(() => read(`<a v="${'x'.repeat(900_000)}"/>`), 'ERR_TOO_LARGE')
    rejects(() => read(`<a>${'x'.repeat(900_000)}</a>`), 'ERR_TOO_LARGE')
    rejects(() => read(`<a><![CDATA[${'x'.repeat(900_000)}]]></a>`), 'ERR_TOO_LARGE')
  })

  it('refuses too many attributes on one element', () => {
    const attributes = Array.from({ length: 40 }, (_, i) => `a${i}="${i}"`).join(' ')
    rejects(() => read(`<a ${attributes}/>`), 'ERR_TOO_LARGE')
  })

  it('refuses more elements than maxElements', () => {
    read(`<a>${'<b/>'.repeat(9)}</a>`, { maxElements: 10 })
    rejects(() => read(`<a>${'<b/>'.repeat(10)}</a>`, { maxElements: 10 }), 'ERR_TOO_LARGE')
  })
})

describe('schema helpers', () => {
  const root = read('<r xmlns="urn:test:1" id="r1" n="42" neg="-3" kind="deb" day="2024-02-29" at="2025-06-01T12:30:00+02:00" blank="  ">\n' +
    '  <c>  hello  </c>\n  <e/>\n  <p><q/></p>\n</r>')
  const [text, empty, parent] = root.children as [XmlElement, XmlElement, XmlElement]

  it('reads required, optional, choice, integer and date attributes', () => {
    assert.equal(requiredAttribute(root, 'id'), 'r1')
    assert.equal(optionalAttribute(root, 'absent'), undefined)
    assert.equal(choiceAttribute(root, 'kind', ['deb', 'rpm']), 'deb')
    assert.equal(integerAttribute(root, 'n', 1), 42)
    assert.equal(integerAttribute(root, 'neg', -10), -3)
    assert.equal(dateAttribute(root, 'day'), '2024-02-29')
    assert.equal(dateAttribute(root, 'at'), '2025-06-01T12:30:00+02:00')
  })

  it('refuses missing, empty and invalid attributes with ERR_SCHEMA naming element and line', () => {
    const error = rejects(() => requiredAttribute(empty, 'id'), 'ERR_SCHEMA')
    assert.deepEqual(error.location, { source: 'test.xml', element: 'e', line: 3 })
    rejects(() => requiredAttribute(root, 'blank'), 'ERR_SCHEMA')
    rejects(() => optionalAttribute(root, 'blank'), 'ERR_SCHEMA')
    rejects(() => choiceAttribute(root, 'kind', ['msi', 'exe']), 'ERR_SCHEMA')
    rejects(() => choiceAttribute(root, 'absent', ['msi', 'exe']), 'ERR_SCHEMA')
    rejects(() => integerAttribute(root, 'neg'), 'ERR_SCHEMA')
    rejects(() => integerAttribute(root, 'n', 0, 10), 'ERR_SCHEMA')
    rejects(() => integerAttribute(root, 'kind'), 'ERR_SCHEMA')
  })

  it('refuses dates that are not ISO 8601 or not on the calendar', () => {
    for (const value of ['2025-02-29', '2025-13-01', '2025-06-01T25:00:00Z', '2025-06-01T12:00:00', '01/06/2025', '2025-6-1']) {
      rejects(() => dateAttribute(read(`<a d="${value}"/>`), 'd'), 'ERR_SCHEMA')
    }
  })

  it('refuses attributes outside the allowed list', () => {
    allowAttributes(text, [])
    rejects(() => allowAttributes(root, ['xmlns', 'id']), 'ERR_SCHEMA')
  })

  it('returns child elements and refuses unknown ones or stray text', () => {
    assert.equal(childElements(root, ['c', 'e', 'p']).length, 3)
    rejects(() => childElements(root, ['c', 'e']), 'ERR_SCHEMA')
    rejects(() => childElements(read('<a>stray<b/></a>'), ['b']), 'ERR_SCHEMA')
  })

  it('reads trimmed text and refuses elements where text belongs', () => {
    assert.equal(textContent(text), 'hello')
    rejects(() => textContent(empty), 'ERR_SCHEMA')
    rejects(() => textContent(parent), 'ERR_SCHEMA')
  })

  it('refuses content in elements that must be empty', () => {
    expectEmpty(empty)
    rejects(() => expectEmpty(parent), 'ERR_SCHEMA')
    rejects(() => expectEmpty(text), 'ERR_SCHEMA')
  })

  it('checks the root name and its namespace', () => {
    expectRoot(root, 'r', 'urn:test:1')
    rejects(() => expectRoot(root, 'Catalog', 'urn:test:1'), 'ERR_SCHEMA')
    rejects(() => expectRoot(root, 'r', 'urn:test:2'), 'ERR_SCHEMA')
    rejects(() => expectRoot(read('<r/>'), 'r', 'urn:test:1'), 'ERR_SCHEMA')
  })
})
