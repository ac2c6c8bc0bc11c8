import { FormatError } from '../errors.ts'

/** A Debian package version split as dpkg splits it: `[epoch:]upstream[-revision]`. */
export interface DpkgVersion {
  epoch: number
  upstream: string
  /** The part after the last hyphen; '' when there is none (dpkg orders '' like '0'). */
  revision: string
}

const TAB = 0x09
const SPACE = 0x20
const PLUS = 0x2b
const MINUS = 0x2d
const ZERO = 0x30
const NINE = 0x39
const COLON = 0x3a
const TILDE = 0x7e
const INT_MAX = 2147483647

// Slots of a located version. Scratch arrays instead of objects keep compare allocation-free:
// it runs hundreds of thousands of times per scan. Compare is synchronous, so sharing them is safe.
const UP_START = 0
const UP_END = 1
const REV_START = 2
const REV_END = 3
const EPOCH = 4
const NON_ASCII = 5
const left = new Int32Array(6)
const right = new Int32Array(6)
const encoder = new TextEncoder()

/**
 * Splits a version exactly as dpkg's parseversion() does, throwing FormatError ERR_BAD_VERSION
 * where it reports an error.
 *
 * Its *warnings* (upstream not starting with a digit, characters outside [A-Za-z0-9.+~:-]) are
 * accepted, as dpkg itself accepts them in the status database and in --compare-versions: such
 * versions are on real machines, dpkg orders them, and refusing them would make every patch for
 * that package look missing.
 */
export function parseDpkgVersion (version: string): DpkgVersion {
  locate(version, left)
  return {
    epoch: left[EPOCH] ?? 0,
    upstream: version.slice(left[UP_START], left[UP_END]),
    revision: version.slice(left[REV_START], left[REV_END])
  }
}

/** Orders two Debian versions exactly as `dpkg --compare-versions` does; throws on versions dpkg rejects. */
export function compareDpkgVersions (a: string, b: string): -1 | 0 | 1 {
  locate(a, left)
  locate(b, right)
  if (a === b) return 0
  if (left[NON_ASCII] === 1 || right[NON_ASCII] === 1) return compareBytes(a, b)
  return compareLocated(a, b)
}

function compareLocated (a: string, b: string): -1 | 0 | 1 {
  const ea = left[EPOCH] as number
  const eb = right[EPOCH] as number
  if (ea !== eb) return ea > eb ? 1 : -1
  let rc = verrevcmp(a, left[UP_START] as number, left[UP_END] as number, b, right[UP_START] as number, right[UP_END] as number)
  if (rc === 0) rc = verrevcmp(a, left[REV_START] as number, left[REV_END] as number, b, right[REV_START] as number, right[REV_END] as number)
  return rc < 0 ? -1 : rc > 0 ? 1 : 0
}

// dpkg compares bytes, so a non-ASCII version is re-read as one UTF-8 byte per code unit.
// The layout (blanks, colon, hyphen) is ASCII and sits at the same logical places.
function compareBytes (a: string, b: string): -1 | 0 | 1 {
  const ba = toByteString(a)
  const bb = toByteString(b)
  locate(ba, left)
  locate(bb, right)
  return compareLocated(ba, bb)
}

function toByteString (s: string): string {
  const bytes = encoder.encode(s)
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i] as number)
  return out
}

function isBlank (c: number): boolean {
  return c === SPACE || c === TAB
}

function isDigit (c: number): boolean {
  return c >= ZERO && c <= NINE
}

function isAlpha (c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
}

function bad (version: string, why: string): FormatError {
  return new FormatError('ERR_BAD_VERSION', `dpkg version "${version}": ${why}`)
}

/** parseversion() from dpkg's lib/dpkg/parsehelp.c, on indices instead of copies. */
function locate (s: string, out: Int32Array): void {
  const n = s.length
  let start = 0
  while (start < n && isBlank(s.charCodeAt(start))) start++
  if (start === n) throw bad(s, 'version string is empty')
  let end = start
  let colon = -1
  let nonAscii = 0
  for (; end < n; end++) {
    const c = s.charCodeAt(end)
    if (isBlank(c)) break
    // A C string ends at NUL, so no dpkg input can carry one: refuse rather than truncate.
    if (c === 0) throw bad(s, 'version string contains a NUL character')
    if (c === COLON && colon < 0) colon = end
    if (c >= 0x80) nonAscii = 1
  }
  for (let p = end; p < n; p++) {
    if (!isBlank(s.charCodeAt(p))) throw bad(s, 'version string has embedded spaces')
  }

  let upStart = start
  out[EPOCH] = 0
  if (colon >= 0) {
    out[EPOCH] = parseEpoch(s, start, colon)
    upStart = colon + 1
    if (upStart === end) throw bad(s, 'nothing after colon in version number')
  }
  let hyphen = -1
  for (let p = end - 1; p >= upStart; p--) {
    if (s.charCodeAt(p) === MINUS) { hyphen = p; break }
  }
  if (hyphen >= 0 && hyphen + 1 === end) throw bad(s, 'revision number is empty')
  const upEnd = hyphen >= 0 ? hyphen : end
  if (upEnd === upStart) throw bad(s, 'version number is empty')
  out[UP_START] = upStart
  out[UP_END] = upEnd
  out[REV_START] = hyphen >= 0 ? hyphen + 1 : end
  out[REV_END] = end
  out[NON_ASCII] = nonAscii
}

/** The epoch as dpkg reads it with strtol(): leading white space and a sign are allowed. */
function parseEpoch (s: string, start: number, colon: number): number {
  let p = start
  while (p < colon) {
    const c = s.charCodeAt(p)
    if (c !== SPACE && (c < TAB || c > 0x0d)) break
    p++
  }
  let negative = false
  const sign = s.charCodeAt(p)
  if (sign === PLUS || sign === MINUS) { negative = sign === MINUS; p++ }
  const digits = p
  let value = 0
  while (p < colon && isDigit(s.charCodeAt(p))) {
    // Anything past INT_MAX is an error either way; capping keeps the number exact.
    if (value <= INT_MAX) value = value * 10 + s.charCodeAt(p) - ZERO
    p++
  }
  if (p === digits) throw bad(s, 'epoch in version is empty')
  if (p !== colon) throw bad(s, 'epoch in version is not number')
  if (negative && value !== 0) throw bad(s, 'epoch in version is negative')
  if (value > INT_MAX) throw bad(s, 'epoch in version is too big')
  return value
}

/** dpkg's order(): digits 0, letters themselves, '~' -1, other bytes after letters (signed char on amd64). */
function order (c: number): number {
  if (isDigit(c)) return 0
  if (isAlpha(c)) return c
  if (c === TILDE) return -1
  if (c === 0) return 0
  // dpkg reads bytes as signed char: 0x80-0xff become negative, and c + 256 lands them
  // between the letters and ASCII punctuation.
  return c >= 0x80 ? c : c + 256
}

/** dpkg's verrevcmp() over s[i, ie) and t[j, je). */
function verrevcmp (s: string, i: number, ie: number, t: string, j: number, je: number): number {
  while (i < ie || j < je) {
    let firstDiff = 0
    while ((i < ie && !isDigit(s.charCodeAt(i))) || (j < je && !isDigit(t.charCodeAt(j)))) {
      const ac = order(i < ie ? s.charCodeAt(i) : 0)
      const bc = order(j < je ? t.charCodeAt(j) : 0)
      if (ac !== bc) return ac - bc
      i++
      j++
    }
    while (i < ie && s.charCodeAt(i) === ZERO) i++
    while (j < je && t.charCodeAt(j) === ZERO) j++
    while (i < ie && j < je) {
      const ca = s.charCodeAt(i)
      const cb = t.charCodeAt(j)
      if (!isDigit(ca) || !isDigit(cb)) break
      if (firstDiff === 0) firstDiff = ca - cb
      i++
      j++
    }
    if (i < ie && isDigit(s.charCodeAt(i))) return 1
    if (j < je && isDigit(t.charCodeAt(j))) return -1
    if (firstDiff !== 0) return firstDiff
  }
  return 0
}
