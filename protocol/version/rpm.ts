import { FormatError } from '../errors.ts'

/** An rpm `[epoch:]version[-release]` split as rpm's parseEVR() splits it. */
export interface RpmEvr {
  /** 0 when the string has none, as rpm assumes. */
  epoch: number
  version: string
  /** undefined when the string has no release: it then sorts before every release (labelCompare). */
  release: string | undefined
}

const ZERO = 0x30
const NINE = 0x39
const COLON = 0x3a
const MINUS = 0x2d
const TILDE = 0x7e
const CARET = 0x5e
// rpm stores Epoch as a 32-bit header tag; a bigger one cannot come from a package.
const EPOCH_MAX = 4294967295

// Slots of a located EVR, in scratch arrays so that compare allocates nothing (hot path).
const EPOCH = 0
const VER_START = 1
const VER_END = 2
const REL_START = 3 // -1 when there is no release
const REL_END = 4
const left = new Float64Array(5)
const right = new Float64Array(5)

/**
 * Splits `[epoch:]version[-release]` as rpm does: the epoch is the leading digits before a ':',
 * the release follows the last '-'. rpm itself refuses nothing here, so we refuse only what no
 * rpm package can carry and what is surely a typo: an empty string or part, a ':' without digits
 * before it, white space or control characters, an epoch above 2^32-1.
 */
export function parseRpmEvr (evr: string): RpmEvr {
  locate(evr, left)
  const relStart = left[REL_START] as number
  return {
    epoch: left[EPOCH] as number,
    version: evr.slice(left[VER_START], left[VER_END]),
    release: relStart < 0 ? undefined : evr.slice(relStart, left[REL_END])
  }
}

/**
 * Orders two EVRs as rpm.labelCompare() does: epoch numerically, then version and release with
 * rpmvercmp(); a missing release sorts before any release. Throws on strings parseRpmEvr refuses.
 */
export function compareRpmVersions (a: string, b: string): -1 | 0 | 1 {
  locate(a, left)
  locate(b, right)
  if (a === b) return 0
  const ea = left[EPOCH] as number
  const eb = right[EPOCH] as number
  if (ea !== eb) return ea > eb ? 1 : -1
  const rc = rpmvercmp(a, left[VER_START] as number, left[VER_END] as number, b, right[VER_START] as number, right[VER_END] as number)
  if (rc !== 0) return rc
  const ra = left[REL_START] as number
  const rb = right[REL_START] as number
  if (ra < 0 || rb < 0) return ra < 0 && rb < 0 ? 0 : ra < 0 ? -1 : 1
  return rpmvercmp(a, ra, left[REL_END] as number, b, rb, right[REL_END] as number)
}

/** rpmvercmp() from rpm's rpmio/rpmvercmp.c (4.18) over s[i, ie) and t[j, je). */
function rpmvercmp (s: string, i: number, ie: number, t: string, j: number, je: number): -1 | 0 | 1 {
  while (i < ie || j < je) {
    while (i < ie && isSeparator(s.charCodeAt(i))) i++
    while (j < je && isSeparator(t.charCodeAt(j))) j++
    const ca = i < ie ? s.charCodeAt(i) : 0
    const cb = j < je ? t.charCodeAt(j) : 0

    // '~' sorts before everything, the end of the string included.
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1
      if (cb !== TILDE) return -1
      i++
      j++
      continue
    }
    // '^' sorts after the end of the string but before any further segment.
    if (ca === CARET || cb === CARET) {
      if (ca === 0) return -1
      if (cb === 0) return 1
      if (ca !== CARET) return 1
      if (cb !== CARET) return -1
      i++
      j++
      continue
    }
    if (ca === 0 || cb === 0) break

    const numeric = isDigit(ca)
    let si = i
    let sj = j
    if (numeric) {
      while (si < ie && isDigit(s.charCodeAt(si))) si++
      while (sj < je && isDigit(t.charCodeAt(sj))) sj++
    } else {
      while (si < ie && isAlpha(s.charCodeAt(si))) si++
      while (sj < je && isAlpha(t.charCodeAt(sj))) sj++
    }
    // Segments of different kinds: the numeric one is newer.
    if (sj === j) return numeric ? 1 : -1
    if (numeric) {
      while (i < si && s.charCodeAt(i) === ZERO) i++
      while (j < sj && t.charCodeAt(j) === ZERO) j++
      if (si - i !== sj - j) return si - i > sj - j ? 1 : -1
    }
    const rc = compareRange(s, i, si, t, j, sj)
    if (rc !== 0) return rc
    i = si
    j = sj
  }
  if (i >= ie && j >= je) return 0
  return i >= ie ? -1 : 1
}

/** strcmp() of two ranges. */
function compareRange (s: string, i: number, ie: number, t: string, j: number, je: number): -1 | 0 | 1 {
  for (; i < ie && j < je; i++, j++) {
    const d = s.charCodeAt(i) - t.charCodeAt(j)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return ie - i === je - j ? 0 : i < ie ? 1 : -1
}

function isDigit (c: number): boolean {
  return c >= ZERO && c <= NINE
}

// rpm's risalpha()/risdigit() are ASCII-only, whatever the locale.
function isAlpha (c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
}

function isSeparator (c: number): boolean {
  return !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET
}

function bad (evr: string, why: string): FormatError {
  return new FormatError('ERR_BAD_VERSION', `rpm version "${evr}": ${why}`)
}

/** parseEVR() on indices, plus the refusals documented on parseRpmEvr. */
function locate (s: string, out: Float64Array): void {
  const n = s.length
  if (n === 0) throw bad(s, 'version string is empty')
  let lastHyphen = -1
  for (let p = 0; p < n; p++) {
    const c = s.charCodeAt(p)
    if (c <= 0x20 || c === 0x7f) throw bad(s, `white space or control character at offset ${p}`)
    if (c === MINUS) lastHyphen = p
  }
  let p = 0
  let epoch = 0
  while (p < n && isDigit(s.charCodeAt(p))) {
    if (epoch <= EPOCH_MAX) epoch = epoch * 10 + s.charCodeAt(p) - ZERO
    p++
  }
  let verStart = 0
  if (p < n && s.charCodeAt(p) === COLON) {
    if (p === 0) throw bad(s, 'epoch before ":" is empty')
    if (epoch > EPOCH_MAX) throw bad(s, `epoch is above ${EPOCH_MAX}`)
    verStart = p + 1
  } else {
    epoch = 0
  }
  const hyphen = lastHyphen
  const verEnd = hyphen >= 0 ? hyphen : n
  if (verEnd <= verStart) throw bad(s, 'version is empty')
  if (hyphen >= 0 && hyphen + 1 === n) throw bad(s, 'release after "-" is empty')
  out[EPOCH] = epoch
  out[VER_START] = verStart
  out[VER_END] = verEnd
  out[REL_START] = hyphen >= 0 ? hyphen + 1 : -1
  out[REL_END] = n
}
