import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { ANSWERS_PER_WANT, WantAnswers } from '../../node/blobs/want-answers.ts'
import type { Holder } from '../../node/blobs/blob-holders.ts'
import type { BlobId } from '../../protocol/blob-id.ts'

const BLOB = 'bafkreiblob' as BlobId

function holder (peer: string, site: string, seenAt: number, complete = true): Holder {
  return { peer, site, complete, wants: false, haveMap: new Uint8Array(0), chunks: 1, advertised: 1, seenAt, progressAt: seenAt }
}

/** A WantAnswers whose holders are `heard` and whose answers land in `answered`; it decides 5 ms after a want. */
function answers (site: string, heard: Holder[]): { wants: WantAnswers, answered: BlobId[] } {
  const answered: BlobId[] = []
  const wants = new WantAnswers({ holders: { of: () => heard }, site, answer: blobId => { answered.push(blobId) }, spreadMs: 5, random: () => 1 })
  return { wants, answered }
}

test('a holder answers a want when too few others answered since it arrived', async () => {
  const heard = Array.from({ length: ANSWERS_PER_WANT - 1 }, (_, i) => holder(`p${i}`, 'hq', Date.now() + 1))
  const { wants, answered } = answers('hq', heard)
  wants.want(BLOB, 'branch', Date.now())
  await delay(30)
  assert.deepEqual(answered, [BLOB])
})

test('a holder stays quiet once enough whole copies were named after the want', async () => {
  const now = Date.now()
  const heard = Array.from({ length: ANSWERS_PER_WANT }, (_, i) => holder(`p${i}`, 'hq', now + 1))
  const { wants, answered } = answers('hq', heard)
  wants.want(BLOB, 'branch', now)
  await delay(30)
  assert.deepEqual(answered, [])
})

test('answers from before the want, or from partial copies, do not count: the wanter never heard them', async () => {
  const now = Date.now()
  const heard = [
    ...Array.from({ length: ANSWERS_PER_WANT }, (_, i) => holder(`old${i}`, 'hq', now - 1_000)),
    ...Array.from({ length: ANSWERS_PER_WANT }, (_, i) => holder(`part${i}`, 'hq', now + 1, false))
  ]
  const { wants, answered } = answers('hq', heard)
  wants.want(BLOB, 'branch', now)
  await delay(30)
  assert.deepEqual(answered, [BLOB])
})

test('a wanter in this node\'s site hears of a copy in its site even when other sites answered', async () => {
  const now = Date.now()
  const heard = Array.from({ length: ANSWERS_PER_WANT }, (_, i) => holder(`p${i}`, 'hq', now + 1))
  const { wants, answered } = answers('branch', heard)
  wants.want(BLOB, 'branch', now)
  await delay(30)
  assert.deepEqual(answered, [BLOB])
})

test('wants that arrive while an answer waits make one answer, judged from the latest want', async () => {
  const now = Date.now()
  const heard = Array.from({ length: ANSWERS_PER_WANT }, (_, i) => holder(`p${i}`, 'hq', now + 1))
  const { wants, answered } = answers('hq', heard)
  wants.want(BLOB, 'branch', now)
  wants.want(BLOB, 'branch', now + 2)
  await delay(30)
  assert.deepEqual(answered, [BLOB], 'the answers came before the second want reached its wanter')
})

test('stop drops the answers still waiting', async () => {
  const { wants, answered } = answers('hq', [])
  wants.want(BLOB, 'branch')
  wants.stop()
  await delay(30)
  assert.deepEqual(answered, [])
})
