import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { ANSWERS_PER_WANT, WantAnswers } from '../../node/blobs/want-answers.ts'
import type { Holder } from '../../node/blobs/blob-holders.ts'
import type { BlobId } from '../../protocol/blob-id.ts'

const BLOB = 'bafkreiblob' as BlobId
const NOW = Date.now()

function holders (count: number, site: string, seenAt: number, complete = true): Holder[] {
  return Array.from({ length: count }, (_, i) => ({ peer: `${site}-${seenAt}-${i}`, site, complete, wants: false, haveMap: new Uint8Array(0), chunks: 1, advertised: 1, seenAt, progressAt: seenAt }))
}

/**
 * A holder in `site` that has heard `heard`, given wants (wanter's site, arrival time); it decides
 * 5 ms after the first want. Returns the blobs it answered for.
 */
async function answered (site: string, heard: Holder[], wants: Array<[string, number]>): Promise<BlobId[]> {
  const answers: BlobId[] = []
  const holder = new WantAnswers({ holders: { of: () => heard }, site, answer: blobId => { answers.push(blobId) }, spreadMs: 5, random: () => 1 })
  for (const [wanterSite, at] of wants) holder.want(BLOB, wanterSite, at)
  await delay(30)
  holder.stop()
  return answers
}

test('a holder answers a want when too few others answered since it arrived', async () => {
  assert.deepEqual(await answered('hq', holders(ANSWERS_PER_WANT - 1, 'hq', NOW + 1), [['branch', NOW]]), [BLOB])
})

test('a holder stays quiet once enough whole copies were named after the want', async () => {
  assert.deepEqual(await answered('hq', holders(ANSWERS_PER_WANT, 'hq', NOW + 1), [['branch', NOW]]), [])
})

test('answers from before the want, or from partial copies, do not count: the wanter never heard them', async () => {
  const heard = [...holders(ANSWERS_PER_WANT, 'hq', NOW - 1_000), ...holders(ANSWERS_PER_WANT, 'hq', NOW + 1, false)]
  assert.deepEqual(await answered('hq', heard, [['branch', NOW]]), [BLOB])
})

test('a wanter in this node\'s site hears of a copy in its site even when other sites answered', async () => {
  assert.deepEqual(await answered('branch', holders(ANSWERS_PER_WANT, 'hq', NOW + 1), [['branch', NOW]]), [BLOB])
})

test('wants that arrive while an answer waits make one answer, judged from the latest want', async () => {
  assert.deepEqual(await answered('hq', holders(ANSWERS_PER_WANT, 'hq', NOW + 1), [['branch', NOW], ['branch', NOW + 2]]), [BLOB],
    'the answers came before the second want reached its wanter')
})

test('stop drops the answers still waiting', async () => {
  const answers: BlobId[] = []
  const holder = new WantAnswers({ holders: { of: () => [] }, site: 'hq', answer: blobId => { answers.push(blobId) }, spreadMs: 5 })
  holder.want(BLOB, 'branch')
  holder.stop()
  await delay(30)
  assert.deepEqual(answers, [])
})
