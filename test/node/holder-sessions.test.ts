import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_BUSY_COOLDOWN_MS, DEFAULT_PEER_COOLDOWN_MS, HolderSessions } from '../../node/blobs/holder-sessions.ts'

const unused = async (): Promise<never> => { throw new Error('no stream is opened in these tests') }

test('requests in flight are counted per peer until each settles', () => {
  const sessions = new HolderSessions(unused)
  sessions.requested('a')
  sessions.requested('a')
  sessions.requested('b')
  assert.equal(sessions.load('a'), 2)
  sessions.settled('a')
  sessions.settled('b')
  assert.equal(sessions.load('a'), 1)
  assert.equal(sessions.load('b'), 0)
})

test('a failed peer cools down for the stall time, or briefly when it had just answered busy', () => {
  const sessions = new HolderSessions(unused)
  const now = Date.now()
  sessions.failed('stalled')
  sessions.busy('busy')
  sessions.failed('busy')
  assert.equal(sessions.excluded('stalled', now + DEFAULT_BUSY_COOLDOWN_MS + 100), true)
  assert.equal(sessions.excluded('stalled', now + DEFAULT_PEER_COOLDOWN_MS + 100), false)
  assert.equal(sessions.excluded('busy', now + DEFAULT_BUSY_COOLDOWN_MS + 100), false)
})

test('a dropped peer stays out for good, and dropping it twice says so', () => {
  const sessions = new HolderSessions(unused)
  assert.equal(sessions.drop('liar'), true)
  assert.equal(sessions.drop('liar'), false)
  assert.equal(sessions.excluded('liar', Date.now() + 3_600_000), true)
  assert.equal(sessions.excluded('honest'), false)
})
