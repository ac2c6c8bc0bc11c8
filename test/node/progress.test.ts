import assert from 'node:assert/strict'
import { test } from 'node:test'
import { renderBar, renderProgress } from '../../node/cli/progress.ts'

test('renderBar fills the bar in proportion and rounds the percentage down', () => {
  assert.equal(renderBar(1, 4, 8), '[##......]  25%')
  assert.equal(renderBar(199, 200, 10), '[#########.]  99%', 'never full before the end')
  assert.equal(renderBar(5, 4, 4), '[####] 100%', 'more than the total counts as done')
})

test('renderBar of an empty total is full', () => {
  assert.equal(renderBar(0, 0, 4), '[####] 100%')
})

test('renderProgress is the bar, the bytes, the rate and the detail', () => {
  assert.equal(renderProgress(22_000_000, 50_000_000, 3_100_000, 'LAN 1.0 MB'),
    '[##########..............]  44%  22 MB / 50 MB  3.1 MB/s  LAN 1.0 MB')
})
