import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomSample } from '../../node/random.ts'

test('randomSample gives count distinct items of the list, or all of them when it asks for more', () => {
  const items = Array.from({ length: 20 }, (_, i) => i)
  const sample = randomSample(items, 5)
  assert.equal(sample.length, 5)
  assert.equal(new Set(sample).size, 5)
  assert.ok(sample.every(n => items.includes(n)))
  assert.deepEqual(randomSample(items, 50).sort((a, b) => a - b), items)
  assert.deepEqual(items, Array.from({ length: 20 }, (_, i) => i), 'the list itself is left as it was')
})

test('randomSample follows its random source, and a source that returns 1 stays in range', () => {
  assert.deepEqual(randomSample(['a', 'b', 'c'], 2, () => 0), ['a', 'b'])
  assert.deepEqual(randomSample(['a', 'b', 'c'], 3, () => 1), ['c', 'a', 'b'])
})
