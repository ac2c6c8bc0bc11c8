import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compareDpkgVersions, parseDpkgVersion } from '../../protocol/version/dpkg.ts'
import { FormatError } from '../../protocol/errors.ts'

function assertOrder (lower: string, higher: string): void {
  assert.equal(compareDpkgVersions(lower, higher), -1, `${lower} < ${higher}`)
  assert.equal(compareDpkgVersions(higher, lower), 1, `${higher} > ${lower}`)
}

function assertSame (a: string, b: string): void {
  assert.equal(compareDpkgVersions(a, b), 0, `${a} == ${b}`)
  assert.equal(compareDpkgVersions(b, a), 0, `${b} == ${a}`)
}

function assertBad (version: string): void {
  assert.throws(() => parseDpkgVersion(version), (err: unknown) =>
    err instanceof FormatError && err.code === 'ERR_BAD_VERSION', JSON.stringify(version))
  assert.throws(() => compareDpkgVersions(version, '1.0'), (err: unknown) =>
    err instanceof FormatError && err.code === 'ERR_BAD_VERSION', JSON.stringify(version))
}

test('parse splits epoch, upstream and revision', () => {
  assert.deepEqual(parseDpkgVersion('2:1.2.3-4ubuntu1'), { epoch: 2, upstream: '1.2.3', revision: '4ubuntu1' })
})

test('parse takes the revision after the last hyphen only', () => {
  assert.deepEqual(parseDpkgVersion('1.0-beta-2'), { epoch: 0, upstream: '1.0-beta', revision: '2' })
})

test('parse gives epoch 0 and an empty revision when both are missing', () => {
  assert.deepEqual(parseDpkgVersion('1.0'), { epoch: 0, upstream: '1.0', revision: '' })
})

test('parse keeps colons after the first one inside upstream', () => {
  assert.deepEqual(parseDpkgVersion('1:2:3-4'), { epoch: 1, upstream: '2:3', revision: '4' })
})

test('parse trims leading and trailing blanks as dpkg does', () => {
  assert.deepEqual(parseDpkgVersion(' \t1.0-1 \t'), { epoch: 0, upstream: '1.0', revision: '1' })
})

test('parse reads a plus-signed or negative-zero epoch as strtol does', () => {
  assert.equal(parseDpkgVersion('+3:1.0').epoch, 3)
  assert.equal(parseDpkgVersion('-0:1.0').epoch, 0)
  assert.equal(parseDpkgVersion('007:1.0').epoch, 7)
})

test('parse accepts versions that dpkg only warns about', () => {
  assert.equal(parseDpkgVersion('abc').upstream, 'abc')
  assert.equal(parseDpkgVersion('1.0_1').upstream, '1.0_1')
  assert.equal(parseDpkgVersion('1.0-a_b').revision, 'a_b')
})

test('parse rejects empty and blank-only versions', () => {
  assertBad('')
  assertBad('  \t')
})

test('parse rejects embedded spaces', () => {
  assertBad('1.0 1')
  assertBad('1:1.0 -1')
})

test('parse rejects bad epochs', () => {
  assertBad(':1.0')
  assertBad('a:1.0')
  assertBad('1a:1.0')
  assertBad('-1:1.0')
  assertBad('2147483648:1.0')
  assertBad('1.0-1:2')
})

test('parse accepts the largest epoch dpkg accepts', () => {
  assert.equal(parseDpkgVersion('2147483647:1').epoch, 2147483647)
})

test('parse rejects an empty part after the colon or hyphen', () => {
  assertBad('1:')
  assertBad('1.0-')
  assertBad('-1')
  assertBad('1:-1')
})

test('parse rejects a NUL character', () => {
  assertBad('1.0\u00001')
})

test('equal strings compare equal', () => {
  assertSame('1:2.30-1+deb12u1', '1:2.30-1+deb12u1')
})

test('epoch outweighs everything else', () => {
  assertOrder('9.9-9', '1:0.1-1')
  assertOrder('1:9.9', '2:0')
})

test('missing epoch equals epoch 0', () => {
  assertSame('1.0-1', '0:1.0-1')
})

test('missing revision equals revision 0', () => {
  assertSame('1.0', '1.0-0')
  assertOrder('1.0', '1.0-0.1')
})

test('tilde sorts before the end of the string', () => {
  assertOrder('1.0~rc1', '1.0')
  assertOrder('1.0~~', '1.0~')
  assertOrder('1.0~~a', '1.0~')
  assertOrder('1.0-1~bpo1', '1.0-1')
})

test('letters sort before non-letters', () => {
  assertOrder('1.0a', '1.0+')
  assertOrder('1.0z', '1.0.')
  assertOrder('1.0Z', '1.0a')
})

test('the end of the string sorts before letters and punctuation', () => {
  assertOrder('1.0', '1.0a')
  assertOrder('1.0', '1.0+b1')
  assertOrder('1.0', '1.0.0')
})

test('digit runs compare numerically ignoring leading zeros', () => {
  assertOrder('1.9', '1.10')
  assertSame('1.001', '1.1')
  assertSame('1.0', '1.00')
  assertOrder('1.99999999999999999998', '1.99999999999999999999')
  assertOrder('1.99999999999999999999', '1.100000000000000000000')
})

test('revision ordering follows the same rules as upstream', () => {
  assertOrder('2.36-9+deb12u3', '2.36-9+deb12u10')
  assertOrder('1.0-1ubuntu1', '1.0-1ubuntu1.1')
  assertOrder('1.0-1', '1.0-1+b1')
})

test('upstream decides before revision', () => {
  assertOrder('1.0-9', '1.0.1-1')
  assertOrder('1.0-beta-9', '1.0-gamma-1')
})

test('blanks around a version do not change its order', () => {
  assertSame(' 1.0-1', '1.0-1 ')
})

test('non-ASCII bytes sort after letters and before ASCII punctuation as on amd64', () => {
  assertOrder('1.0z', '1.0\u00e9')
  assertOrder('1.0\u00e9', '1.0+')
})
