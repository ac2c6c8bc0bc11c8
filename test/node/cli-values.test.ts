import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDuration, parseHostPort } from '../../node/cli/values.ts'

test('durations take ms, s, m, h and d units', () => {
  assert.equal(parseDuration('x', 'd', '500ms'), 500)
  assert.equal(parseDuration('x', 'd', '90s'), 90_000)
  assert.equal(parseDuration('x', 'd', '1.5h'), 5_400_000)
  assert.equal(parseDuration('x', 'd', '7d'), 604_800_000)
})

test('a duration without a unit is ERR_USAGE', () => {
  assert.throws(() => parseDuration('x', 'scan-interval', '24'), { code: 'ERR_USAGE' })
})

test('HOST:PORT accepts names, IPv4 and bracketed IPv6', () => {
  assert.deepEqual(parseHostPort('x', 'http', '127.0.0.1:8470'), { host: '127.0.0.1', port: 8470 })
  assert.deepEqual(parseHostPort('x', 'http', '[::1]:0'), { host: '::1', port: 0 })
  assert.deepEqual(parseHostPort('x', 'http', 'localhost:80'), { host: 'localhost', port: 80 })
})

test('a port out of range or a missing port is ERR_USAGE', () => {
  assert.throws(() => parseHostPort('x', 'http', '127.0.0.1:70000'), { code: 'ERR_USAGE' })
  assert.throws(() => parseHostPort('x', 'http', '127.0.0.1'), { code: 'ERR_USAGE' })
})
