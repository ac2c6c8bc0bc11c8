import type { FormatError, FormatErrorCode } from './errors.ts'

/** Builds the error for a problem at an offset into the string being decoded. */
export type DecodeFail = (code: FormatErrorCode, detail: string, offset: number) => FormatError

// XML 1.0 Name production (fifth edition), colon included so prefixed names reach the schema check.
const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}'
const NAME = new RegExp(`^[${NAME_START}][${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`, 'u')

/** Characters XML 1.0 forbids anywhere in a document, even as character references. */
export const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/

const PREDEFINED = new Map([['lt', '<'], ['gt', '>'], ['amp', '&'], ['quot', '"'], ['apos', "'"]])

/** True when `name` is an XML Name. */
export function isXmlName (name: string): boolean {
  return NAME.test(name)
}

/**
 * Decodes character data: only the five predefined entities and numeric character references
 * (never anything a DTD could define), plus XML's line-end normalisation; attribute values also get
 * attribute-value normalisation (literal tab, CR, LF become spaces; references to them survive).
 */
export function decodeCharacterData (raw: string, attribute: boolean, fail: DecodeFail): string {
  let out = ''
  let last = 0
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if (c === 38) {
      const semicolon = raw.indexOf(';', i + 1)
      if (semicolon === -1) throw fail('ERR_XML_MALFORMED', '"&" that starts no reference; write &amp;', i)
      out += raw.slice(last, i) + resolveReference(raw.slice(i + 1, semicolon), i, fail)
      i = semicolon
      last = i + 1
    } else if (c === 13 || (attribute && (c === 9 || c === 10))) {
      out += raw.slice(last, i) + (attribute ? ' ' : '\n')
      if (c === 13 && raw.charCodeAt(i + 1) === 10) i++
      last = i + 1
    }
  }
  return out + raw.slice(last)
}

function resolveReference (reference: string, offset: number, fail: DecodeFail): string {
  const predefined = PREDEFINED.get(reference)
  if (predefined !== undefined) return predefined
  let code = Number.NaN
  if (/^#[0-9]{1,10}$/.test(reference)) code = Number.parseInt(reference.slice(1), 10)
  else if (/^#x[0-9A-Fa-f]{1,8}$/.test(reference)) code = Number.parseInt(reference.slice(2), 16)
  else if (isXmlName(reference)) {
    throw fail('ERR_XML_FORBIDDEN', `entity reference &${reference}; is not allowed; only &lt; &gt; &amp; &quot; &apos; and character references`, offset)
  } else {
    throw fail('ERR_XML_MALFORMED', '"&" that starts no reference; write &amp;', offset)
  }
  if (!isXmlCharacter(code)) throw fail('ERR_XML_MALFORMED', `character reference &${reference}; names no XML character`, offset)
  return String.fromCodePoint(code)
}

function isXmlCharacter (code: number): boolean {
  return code === 0x9 || code === 0xA || code === 0xD || (code >= 0x20 && code <= 0xD7FF) ||
    (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF)
}

/** 1-based line of a UTF-16 offset: counts LF, CRLF and lone CR line ends before it. */
export function lineAt (text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++
  for (let i = text.indexOf('\r'); i !== -1 && i < offset; i = text.indexOf('\r', i + 1)) {
    if (text.charCodeAt(i + 1) !== 10) line++
  }
  return line
}

/** Byte offset of the first invalid UTF-8 sequence (only called once a strict decode has failed). */
export function firstInvalidUtf8 (bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i] ?? 0
    let extra: number
    let min: number
    if (b < 0x80) { i++; continue }
    if (b >= 0xC2 && b <= 0xDF) { extra = 1; min = 0x80 } else if (b >= 0xE0 && b <= 0xEF) { extra = 2; min = 0x800 } else if (b >= 0xF0 && b <= 0xF4) { extra = 3; min = 0x10000 } else return i
    if (i + extra >= bytes.length) return i
    let code = b & (0x3F >> extra)
    for (let k = 1; k <= extra; k++) {
      const next = bytes[i + k] ?? 0
      if ((next & 0xC0) !== 0x80) return i
      code = (code << 6) | (next & 0x3F)
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i
    i += extra + 1
  }
  return bytes.length
}

/** 1-based line of a byte offset into UTF-8 bytes. */
export function lineAtByte (bytes: Uint8Array, offset: number): number {
  let line = 1
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++
  return line
}
