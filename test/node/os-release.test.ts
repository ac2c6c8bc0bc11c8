import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseOsRelease, readOsRelease } from '../../node/inventory/os-release.ts'

test('reads quoted and unquoted ID and VERSION_ID', () => {
  assert.deepEqual(parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n'), { id: 'debian', versionId: '12' })
  assert.deepEqual(parseOsRelease("ID='rocky'\nVERSION_ID='9.3'\n"), { id: 'rocky', versionId: '9.3' })
})

test('a rolling release without VERSION_ID gets an empty version id', () => {
  assert.deepEqual(parseOsRelease('ID=arch\n'), { id: 'arch', versionId: '' })
})

test('a file without ID is ERR_INVENTORY_SOURCE naming the file', () => {
  assert.throws(() => parseOsRelease('NAME=x\n', '/tmp/os'), (err: Error & { code?: string }) => err.code === 'ERR_INVENTORY_SOURCE' && err.message.includes('/tmp/os'))
})

test('a missing os-release file is ERR_INVENTORY_SOURCE', async () => {
  await assert.rejects(readOsRelease('/nonexistent/os-release'), { code: 'ERR_INVENTORY_SOURCE' })
})
