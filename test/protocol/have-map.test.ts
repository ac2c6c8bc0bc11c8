import assert from 'node:assert/strict'
import { test } from 'node:test'
import { chunksWhere, countHeld, decodeHaveMap, emptyHaveMap, fullHaveMap, hasChunk, setChunk } from '../../protocol/have-map.ts'
import { expectFormatError } from '../helpers/format-error.ts'

test('a full map sets exactly one bit per chunk, high bit first', () => {
  const map = fullHaveMap(10)
  assert.deepEqual([...map], [0xff, 0xc0])
  assert.equal(countHeld(map), 10)
  assert.deepEqual(fullHaveMap(16), Uint8Array.of(0xff, 0xff))
  assert.equal(fullHaveMap(0).byteLength, 0)
})

test('chunks are set, cleared and listed', () => {
  const map = emptyHaveMap(12)
  setChunk(map, 0, true)
  setChunk(map, 9, true)
  setChunk(map, 11, true)
  setChunk(map, 9, false)
  assert.equal(hasChunk(map, 0), true)
  assert.equal(hasChunk(map, 9), false)
  assert.deepEqual(chunksWhere(map, 12, true), [0, 11])
  assert.equal(chunksWhere(map, 12, false).length, 10)
  assert.equal(countHeld(map), 2)
})

test('setting a chunk beyond the map is ERR_SCHEMA', () => {
  expectFormatError(() => { setChunk(emptyHaveMap(8), 8, true) }, 'ERR_SCHEMA')
})

test('a peer\'s map of the wrong length or with spare bits set is ERR_SCHEMA', () => {
  assert.deepEqual(decodeHaveMap(Uint8Array.of(0xff, 0xc0), 10), fullHaveMap(10))
  expectFormatError(() => decodeHaveMap(Uint8Array.of(0xff), 10), 'ERR_SCHEMA')
  expectFormatError(() => decodeHaveMap(Uint8Array.of(0xff, 0xe0), 10), 'ERR_SCHEMA')
})
