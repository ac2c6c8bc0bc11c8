import { FormatError } from './errors.ts'
import type { FormatErrorCode } from './errors.ts'
import { scanXml } from './xml-scanner.ts'
import { XmlElement } from './xml-document.ts'
import { FORBIDDEN_CHARACTER, firstInvalidUtf8, lineAt, lineAtByte } from './xml-text.ts'

export { XmlElement }

/** How much of what a document may contain; `maxBytes` is per kind of document, the rest have defaults. */
export interface XmlLimits {
  /** Largest document accepted, in UTF-8 bytes; checked before anything is decoded. */
  maxBytes: number
  /** Deepest element nesting, the root counting as 1. @default 32 */
  maxDepth?: number
  /** Longest attribute value or element text, in characters. @default 65_536 */
  maxValueLength?: number
  /** Most attributes on one element. @default 32 */
  maxAttributes?: number
  /** Most elements in one document: bounds memory (about 20 bytes per element, 12 per attribute, besides the text). @default 8_000_000 */
  maxElements?: number
}

export const DEFAULT_MAX_DEPTH = 32
export const DEFAULT_MAX_VALUE_LENGTH = 65_536
export const DEFAULT_MAX_ATTRIBUTES = 32
export const DEFAULT_MAX_ELEMENTS = 8_000_000

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads an untrusted XML document (UTF-8 bytes or a string) into its root element: size first, then
 * strict UTF-8, then one bounded pass that refuses DTDs, entities, processing instructions and
 * anything not well-formed. Throws FormatError.
 */
export function readXml (input: Uint8Array | string, limits: XmlLimits & { source?: string }): XmlElement {
  const source = limits.source
  if (exceeds(input, limits.maxBytes)) {
    throw new FormatError('ERR_TOO_LARGE', `document larger than the limit of ${limits.maxBytes} bytes`, { source })
  }
  const text = typeof input === 'string' ? checkString(input, source) : decodeUtf8(input, source)
  const forbidden = FORBIDDEN_CHARACTER.exec(text)
  if (forbidden !== null) {
    const code = `U+${forbidden[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
    throw new FormatError('ERR_XML_MALFORMED', `character ${code} is not allowed in XML`, { source, line: lineAt(text, forbidden.index) })
  }
  return scanXml(text, source, {
    maxDepth: limits.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxValueLength: limits.maxValueLength ?? DEFAULT_MAX_VALUE_LENGTH,
    maxAttributes: limits.maxAttributes ?? DEFAULT_MAX_ATTRIBUTES,
    maxElements: limits.maxElements ?? DEFAULT_MAX_ELEMENTS
  })
}

function exceeds (input: Uint8Array | string, maxBytes: number): boolean {
  if (typeof input !== 'string') return input.byteLength > maxBytes
  // Every UTF-16 unit takes 1 to 3 UTF-8 bytes, so only strings near the limit need counting.
  if (input.length > maxBytes) return true
  if (input.length * 3 <= maxBytes) return false
  let bytes = 0
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i)
    // A surrogate pair is 4 bytes: counted on its high half.
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0xD800 || c > 0xDFFF ? 3 : c < 0xDC00 ? 4 : 0
  }
  return bytes > maxBytes
}

function decodeUtf8 (bytes: Uint8Array, source: string | undefined): string {
  try {
    return utf8.decode(bytes)
  } catch {
    const offset = firstInvalidUtf8(bytes)
    throw new FormatError('ERR_XML_MALFORMED', `invalid UTF-8 at byte ${offset}; documents must be UTF-8`, { source, line: lineAtByte(bytes, offset) })
  }
}

function checkString (text: string, source: string | undefined): string {
  if (!text.isWellFormed()) {
    throw new FormatError('ERR_XML_MALFORMED', 'string holds an unpaired surrogate, so it has no UTF-8 form', { source })
  }
  return text.charCodeAt(0) === 0xFEFF ? text.slice(1) : text
}

/** A FormatError located at an element: its source, line and name. */
export function schemaError (element: XmlElement, detail: string, code: FormatErrorCode = 'ERR_SCHEMA'): FormatError {
  return new FormatError(code, detail, { source: element.document.source, element: element.name, line: element.line })
}

/** ERR_DUPLICATE_ID for a second definition of an id, naming the line of the first. */
export function duplicateError (element: XmlElement, what: string, id: string, first: XmlElement): FormatError {
  return schemaError(element, `duplicate ${what} id "${id}"; first defined on line ${first.line}`, 'ERR_DUPLICATE_ID')
}

/** Checks the root element's name and its default namespace. */
export function expectRoot (root: XmlElement, name: string, namespace: string): void {
  if (root.name !== name) throw schemaError(root, `root element is <${root.name}>; expected <${name} xmlns="${namespace}">`)
  const declared = root.attribute('xmlns')
  if (declared !== namespace) {
    throw schemaError(root, declared === undefined
      ? `attribute "xmlns" missing; expected "${namespace}"`
      : `namespace "${declared}" is not supported; expected "${namespace}"`)
  }
}

/** Refuses any attribute not in `allowed`: the formats are strict so typos are not silently ignored. */
export function allowAttributes (element: XmlElement, allowed: readonly string[]): void {
  const { document, index } = element
  for (let a = document.firstAttribute[index] ?? 0; a < document.attributeEnd(index); a++) {
    const name = document.names[document.attributeName[a] ?? -1] ?? ''
    if (!allowed.includes(name)) {
      throw schemaError(element, allowed.length === 0 ? `unknown attribute "${name}"; expected none` : `unknown attribute "${name}"; expected only ${allowed.join(', ')}`)
    }
  }
}

/** A required, non-empty attribute. `expected` describes a valid value for the error message. */
export function requiredAttribute (element: XmlElement, name: string, expected = 'a non-empty value'): string {
  const value = element.attribute(name)
  if (value === undefined) throw schemaError(element, `attribute "${name}" missing; expected ${expected}`)
  if (isBlank(value)) throw schemaError(element, `attribute "${name}" is empty; expected ${expected}`)
  return value
}

function isBlank (value: string): boolean {
  // Most values start with a non-space: decided without trimming (which would copy).
  const first = value.charCodeAt(0)
  return Number.isNaN(first) || (first <= 32 && value.trim() === '')
}

/** An optional attribute: undefined when absent, but never empty when present. */
export function optionalAttribute (element: XmlElement, name: string, expected = 'a non-empty value'): string | undefined {
  return element.attribute(name) === undefined ? undefined : requiredAttribute(element, name, expected)
}

/** A required attribute whose value is one of `choices`; returns the `choices` entry, so catalogs hold no copies. */
export function choiceAttribute<T extends string> (element: XmlElement, name: string, choices: readonly T[]): T {
  const value = element.attribute(name)
  const index = value === undefined ? -1 : (choices as readonly string[]).indexOf(value)
  const choice = choices[index]
  if (choice !== undefined) return choice
  const expected = `one of ${choices.join(', ')}`
  requiredAttribute(element, name, expected)
  throw schemaError(element, `attribute "${name}" is "${value ?? ''}"; expected ${expected}`)
}

/** A required decimal integer attribute within [min, max]. */
export function integerAttribute (element: XmlElement, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
  const value = requiredAttribute(element, name, expected)
  const number = /^-?[0-9]{1,16}$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(number) || number < min || number > max) throw schemaError(element, `attribute "${name}" is "${value}"; expected ${expected}`)
  return number
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/
const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/
const ISO_EXPECTED = 'an ISO 8601 date (2025-06-01) or timestamp with zone (2025-06-01T12:00:00Z)'

/** A required ISO 8601 date or zoned timestamp, returned as written. */
export function dateAttribute (element: XmlElement, name: string): string {
  const value = requiredAttribute(element, name, ISO_EXPECTED)
  if (!isIsoDate(value)) throw schemaError(element, `attribute "${name}" is "${value}"; expected ${ISO_EXPECTED}`)
  return value
}

/** An optional ISO 8601 date or zoned timestamp. */
export function optionalDateAttribute (element: XmlElement, name: string): string | undefined {
  return element.attribute(name) === undefined ? undefined : dateAttribute(element, name)
}

function isIsoDate (value: string): boolean {
  // Plain dates are most of a catalog's dates: checked without the full expression.
  const match = PLAIN_DATE.test(value) ? [value, value.slice(0, 4), value.slice(5, 7), value.slice(8, 10)] : ISO_DATE.exec(value)
  if (match === null) return false
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  if (month < 1 || month > 12 || day < 1) return false
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  const days = month === 2 ? (leap ? 29 : 28) : (month === 4 || month === 6 || month === 9 || month === 11) ? 30 : 31
  // Absent time parts are undefined, and Number(undefined) < limit is false, hence the ?? '0'.
  return day <= days && Number(match[4] ?? '0') < 24 && Number(match[5] ?? '0') < 60 && Number(match[6] ?? '0') < 61 &&
    Number(match[7] ?? '0') < 24 && Number(match[8] ?? '0') < 60
}

/** The element's child elements, refusing any not named in `allowed` and any text between them. */
export function childElements (element: XmlElement, allowed: readonly string[]): XmlElement[] {
  if (element.text.trim() !== '') throw schemaError(element, `unexpected text "${preview(element.text)}"; expected only child elements`)
  const children = element.children
  for (const child of children) {
    if (!allowed.includes(child.name)) {
      throw schemaError(child, allowed.length === 0
        ? `unexpected element <${child.name}> inside <${element.name}>; expected it to be empty`
        : `unknown element <${child.name}> inside <${element.name}>; expected ${allowed.map(name => `<${name}>`).join(', ')}`)
    }
  }
  return children
}

/** Refuses child elements and text inside an element that must be empty, such as <Package name fixed/>. */
export function expectEmpty (element: XmlElement): void {
  const { document, index } = element
  const child = document.firstChild[index] ?? -1
  if (child !== -1) {
    const unexpected = new XmlElement(document, child)
    throw schemaError(unexpected, `unexpected element <${unexpected.name}> inside <${element.name}>; expected it to be empty`)
  }
  if (element.text.trim() !== '') throw schemaError(element, `unexpected text "${preview(element.text)}"; expected an empty element`)
}

/** The trimmed, non-empty text of an element that holds only text. */
export function textContent (element: XmlElement, expected = 'text'): string {
  const child = element.children[0]
  if (child !== undefined) throw schemaError(child, `unexpected element <${child.name}> inside <${element.name}>; expected ${expected}`)
  const text = element.text.trim()
  if (text === '') throw schemaError(element, `empty; expected ${expected}`)
  return text
}

function preview (text: string): string {
  const trimmed = text.trim()
  return trimmed.length > 40 ? `${trimmed.slice(0, 40)}…` : trimmed
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' }

/**
 * One attribute value for a document being written, escaped so that reading it back gives exactly
 * `value` (tabs and line ends included). Throws FormatError (ERR_SCHEMA) for an empty value or one
 * holding characters XML cannot carry.
 */
export function attributeValue (element: string, name: string, value: string): string {
  const problem = value.trim() === ''
    ? 'is empty'
    : !value.isWellFormed() || FORBIDDEN_CHARACTER.test(value) ? 'holds a character XML cannot carry' : undefined
  if (problem !== undefined) throw new FormatError('ERR_SCHEMA', `attribute "${name}" ${problem}; expected a non-empty value of XML characters`, { element })
  return value.replace(/[&<>"\t\n\r]/g, char => ESCAPES[char] ?? char)
}
