import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isTargeted } from '../../protocol/package-target.ts'

const computer = { site: 'branch-1', tags: ['kiosk'], os: 'debian' }

test('a package without a target targets every computer', () => {
  assert.equal(isTargeted(undefined, computer), true)
})

test('a target matches only when every list it gives matches', () => {
  assert.equal(isTargeted({ sites: ['branch-1'], os: ['debian'] }, computer), true)
  assert.equal(isTargeted({ sites: ['branch-1'], os: ['rhel'] }, computer), false)
  assert.equal(isTargeted({ sites: ['hq'] }, computer), false)
})

test('tags match when the computer has any of them', () => {
  assert.equal(isTargeted({ tags: ['server', 'kiosk'] }, computer), true)
  assert.equal(isTargeted({ tags: ['server'] }, computer), false)
  assert.equal(isTargeted({ tags: ['server'] }, { ...computer, tags: [] }), false)
})
