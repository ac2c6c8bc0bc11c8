import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compareRpmVersions, parseRpmEvr } from '../../protocol/version/rpm.ts'
import { compareVersions, parseVersion } from '../../protocol/version/index.ts'
import { FormatError } from '../../protocol/errors.ts'

function assertOrder (lower: string, higher: string): void {
  assert.equal(compareRpmVersions(lower, higher), -1, `${lower} < ${higher}`)
  assert.equal(compareRpmVersions(higher, lower), 1, `${higher} > ${lower}`)
}

function assertSame (a: string, b: string): void {
  assert.equal(compareRpmVersions(a, b), 0, `${a} == ${b}`)
  assert.equal(compareRpmVersions(b, a), 0, `${b} == ${a}`)
}

function assertBad (evr: string): void {
  assert.throws(() => parseRpmEvr(evr), (err: unknown) =>
    err instanceof FormatError && err.code === 'ERR_BAD_VERSION', JSON.stringify(evr))
  assert.throws(() => compareRpmVersions('1.0', evr), (err: unknown) =>
    err instanceof FormatError && err.code === 'ERR_BAD_VERSION', JSON.stringify(evr))
}

test('parse splits epoch, version and release', () => {
  assert.deepEqual(parseRpmEvr('2:1.2.3-4.el9_2'), { epoch: 2, version: '1.2.3', release: '4.el9_2' })
})

test('parse gives epoch 0 and no release when both are missing', () => {
  assert.deepEqual(parseRpmEvr('1.0'), { epoch: 0, version: '1.0', release: undefined })
})

test('parse takes the release after the last hyphen', () => {
  assert.deepEqual(parseRpmEvr('1.0-rc1-3'), { epoch: 0, version: '1.0-rc1', release: '3' })
})

test('parse treats a colon after non-digits as part of the version, as parseEVR does', () => {
  assert.deepEqual(parseRpmEvr('1a:2-3'), { epoch: 0, version: '1a:2', release: '3' })
})

test('parse rejects empty parts', () => {
  assertBad('')
  assertBad('1:')
  assertBad('-1')
  assertBad('1:-1')
  assertBad('1.0-')
})

test('parse rejects an empty epoch before the colon', () => {
  assertBad(':1.0')
})

test('parse rejects white space and control characters', () => {
  assertBad(' 1.0')
  assertBad('1.0 ')
  assertBad('1.0\n')
  assertBad('1.0\u0000')
})

test('parse rejects an epoch above 32 bits', () => {
  assertBad('4294967296:1.0')
  assert.equal(parseRpmEvr('4294967295:1.0').epoch, 4294967295)
})

test('epoch outweighs version and release', () => {
  assertOrder('9.9-9', '1:0.1-1')
})

test('missing epoch equals epoch 0 and leading zeros in epochs are ignored', () => {
  assertSame('1.0-1', '0:1.0-1')
  assertSame('01:1.0-1', '1:1.0-1')
})

test('missing release sorts before any release', () => {
  assertOrder('1.0', '1.0-1')
  assertOrder('1.0', '1.0-~')
})

test('numeric segments are newer than alphabetic ones', () => {
  assertOrder('1.a', '1.1')
  assertOrder('1a', '1.0')
  assertOrder('2.0alpha', '2.0.0')
})

test('numeric segments compare numerically ignoring leading zeros', () => {
  assertOrder('1.9', '1.10')
  assertSame('1.001', '1.1')
  assertOrder('1.99999999999999999999', '1.100000000000000000000')
})

test('alphabetic segments compare like strcmp', () => {
  assertOrder('1.0A', '1.0a')
  assertOrder('1.0a', '1.0b')
  assertOrder('1.0a', '1.0aa')
})

test('separators only delimit segments: their kind and count do not matter', () => {
  assertSame('1.0', '1_0')
  assertSame('1..0', '1.0')
  assertSame('1.0', '1.0.')
  assertSame('1+0', '1%0')
})

test('a further segment is newer than the end of the string', () => {
  assertOrder('1.0', '1.0.1')
  assertOrder('1.0', '1.0a')
})

test('tilde sorts before everything, the end of the string included', () => {
  assertOrder('1.0~rc1', '1.0')
  assertOrder('1.0~rc1', '1.0~rc2')
  assertOrder('1.0~~', '1.0~')
  assertOrder('1.0~rc1', '1.0.')
})

test('caret sorts after the end of the string but before any further segment', () => {
  assertOrder('1.0', '1.0^git1')
  assertOrder('1.0^git1', '1.0.1')
  assertOrder('1.0^git1', '1.0^git2')
  assertOrder('1.0^', '1.0^git1')
  assertOrder('1.0~rc1^git1', '1.0')
  assertOrder('1.0^git1', '1.0a')
})

test('release compares with the same rules as version', () => {
  assertOrder('1.0-1.el9', '1.0-1.el9_2')
  assertOrder('1.0-9.fc38', '1.0-10.fc38')
})

test('compareVersions dispatches by family', () => {
  // dpkg orders punctuation by byte value; for rpm it is only a separator.
  assert.equal(compareVersions('deb', '1_0', '1.0'), 1)
  assert.equal(compareVersions('rpm', '1_0', '1.0'), 0)
  assert.equal(compareVersions('deb', '1.0-1', '1.0'), 1)
  assert.equal(compareVersions('deb', '1.0', '1.0-0'), 0)
  assert.equal(compareVersions('rpm', '1.0', '1.0-0'), -1)
})

test('parseVersion dispatches by family', () => {
  assert.deepEqual(parseVersion('deb', '1:2-3'), { epoch: 1, upstream: '2', revision: '3' })
  assert.deepEqual(parseVersion('rpm', '1:2-3'), { epoch: 1, version: '2', release: '3' })
})
