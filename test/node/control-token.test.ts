import assert from 'node:assert/strict'
import { chmod, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { NodeError } from '../../node/errors.ts'
import {
  CONTROL_TOKEN_FILE, createControlToken, isLoopback, readControlToken, removeControlToken, tokenMatches
} from '../../node/http/control-token.ts'
import { tempDir } from '../helpers/temp.ts'

const TOKEN = 'c0ffee'.repeat(10) + 'c0de'
const OTHER_TOKEN = 'b'.repeat(64)

// --- control-token.ts --------------------------------------------------------------------------

test('createControlToken writes a 64-hex-digit token to a file of mode 0600', async t => {
  const dir = await tempDir(t)
  const token = await createControlToken(dir)
  assert.match(token, /^[0-9a-f]{64}$/)
  const path = join(dir, CONTROL_TOKEN_FILE)
  assert.equal((await stat(path)).mode & 0o777, 0o600)
  assert.equal((await readFile(path, 'utf8')).trim(), token)
})

test('createControlToken makes a fresh token each time', async t => {
  const dir = await tempDir(t)
  const first = await createControlToken(dir)
  const second = await createControlToken(dir)
  assert.notEqual(first, second)
  assert.equal(await readControlToken(join(dir, CONTROL_TOKEN_FILE)), second)
})

test('createControlToken replaces a readable token file with one of mode 0600', async t => {
  const dir = await tempDir(t)
  const path = join(dir, CONTROL_TOKEN_FILE)
  await writeFile(path, 'old\n')
  await chmod(path, 0o644)
  await createControlToken(dir)
  assert.equal((await stat(path)).mode & 0o777, 0o600)
})

test('createControlToken leaves no temporary file behind', async t => {
  const dir = await tempDir(t)
  await createControlToken(dir)
  assert.deepEqual(await readdir(dir), [CONTROL_TOKEN_FILE])
})

test('readControlToken returns the token createControlToken wrote', async t => {
  const dir = await tempDir(t)
  const token = await createControlToken(dir)
  assert.equal(await readControlToken(join(dir, CONTROL_TOKEN_FILE)), token)
})

test('readControlToken of a missing file is NodeError ERR_CONTROL_TOKEN', async t => {
  const dir = await tempDir(t)
  await assert.rejects(readControlToken(join(dir, CONTROL_TOKEN_FILE)), err => err instanceof NodeError && err.code === 'ERR_CONTROL_TOKEN')
})

test('readControlToken of a file without a token is NodeError ERR_CONTROL_TOKEN', async t => {
  const dir = await tempDir(t)
  const path = join(dir, CONTROL_TOKEN_FILE)
  for (const garbage of ['', 'not a token\n', 'a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64), `${'a'.repeat(64)} extra`, '\u0000'.repeat(64)]) {
    await writeFile(path, garbage)
    await assert.rejects(readControlToken(path), err => err instanceof NodeError && err.code === 'ERR_CONTROL_TOKEN', JSON.stringify(garbage))
  }
})

test('readControlToken of a folder is NodeError ERR_CONTROL_TOKEN', async t => {
  const dir = await tempDir(t)
  await assert.rejects(readControlToken(dir), err => err instanceof NodeError && err.code === 'ERR_CONTROL_TOKEN')
})

test('removeControlToken deletes the file and tolerates its absence', async t => {
  const dir = await tempDir(t)
  await createControlToken(dir)
  await removeControlToken(dir)
  assert.deepEqual(await readdir(dir), [])
  await removeControlToken(dir)
})

test('tokenMatches accepts the token as a Bearer credential', () => {
  assert.equal(tokenMatches(`Bearer ${TOKEN}`, TOKEN), true)
})

test('tokenMatches refuses a missing, different or malformed credential', () => {
  for (const header of [undefined, '', TOKEN, `Bearer ${OTHER_TOKEN}`, `Basic ${TOKEN}`, `Bearer  ${TOKEN}`, `Bearer ${TOKEN} `, `Bearer ${TOKEN.toUpperCase()}`, `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN}0`]) {
    assert.equal(tokenMatches(header, TOKEN), false, JSON.stringify(header))
  }
})

test('tokenMatches is false, not a throw, when the expected token has another length', () => {
  assert.equal(tokenMatches(`Bearer ${TOKEN}`, 'short-token'), false)
})

test('isLoopback is true for IPv4, IPv6 and IPv4-mapped loopback addresses', () => {
  for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(address), true, address)
})

test('isLoopback is false for other addresses and for none', () => {
  for (const address of [undefined, '', '10.0.0.1', '192.168.1.1', '::ffff:10.0.0.1', 'fe80::1', '::', '0.0.0.0']) {
    assert.equal(isLoopback(address), false, String(address))
  }
})

