import { test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { rendezvousRanking } from '../../node/blobs/rendezvous.ts'
import { ANSWERS_PER_WANT, WantAnswers } from '../../node/blobs/want-answers.ts'
import type { Holder } from '../../node/blobs/blob-holders.ts'
import type { FleetMember } from '../../node/blobs/want-answers.ts'
import type { BlobId } from '../../protocol/blob-id.ts'

const BLOB = 'bafkreiblob' as BlobId
const NOW = Date.now()
const STEP_MS = 20

function holders (count: number, site: string, seenAt: number, complete = true): Holder[] {
  return Array.from({ length: count }, (_, i) => ({ peer: `${site}-${seenAt}-${i}`, site, complete, wants: false, haveMap: new Uint8Array(0), chunks: 1, advertised: 1, seenAt, progressAt: seenAt }))
}

const wanter = (site: string): FleetMember => ({ id: `wanter-${site}`, site })

/**
 * A holder in `site` alone in its fleet (rank 0) that has heard `heard`, given wants (wanter's site,
 * arrival time); it decides one step after the first want. Returns the blobs it answered for.
 */
async function answered (site: string, heard: Holder[], wants: Array<[string, number]>): Promise<BlobId[]> {
  const answers: BlobId[] = []
  const holder = new WantAnswers({ holders: { of: () => heard }, self: { id: 'self', site }, members: async () => [], answer: blobId => { answers.push(blobId) }, stepMs: STEP_MS, random: () => 1 })
  for (const [wanterSite, at] of wants) holder.want(BLOB, wanter(wanterSite), at)
  await delay(STEP_MS * 4)
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

test('holders wait by their rank for the want: the wanter\'s site-mates first, the same order on every node', async () => {
  const fleet: FleetMember[] = [
    ...Array.from({ length: 4 }, (_, i) => ({ id: `hq-${i}`, site: 'hq' })),
    ...Array.from({ length: 4 }, (_, i) => ({ id: `branch-${i}`, site: 'branch' })),
    wanter('branch')
  ]
  const answeredAt = new Map<string, number>()
  const started = performance.now()
  const nodes = fleet.filter(member => member.id !== 'wanter-branch').map(self => new WantAnswers({
    holders: { of: () => [] }, self, members: async () => fleet, answer: () => { answeredAt.set(self.id, performance.now() - started) }, stepMs: STEP_MS, random: () => 0
  }))
  for (const node of nodes) node.want(BLOB, wanter('branch'))
  await delay(STEP_MS * 10)
  for (const node of nodes) node.stop()
  const order = [...answeredAt].sort((a, b) => a[1] - b[1]).map(([id]) => id)
  const key = `${BLOB}\0wanter-branch`
  assert.deepEqual(order.slice(0, 4).toSorted(), ['branch-0', 'branch-1', 'branch-2', 'branch-3'], 'the site-mates of the wanter come first')
  assert.deepEqual(order.slice(0, 4), rendezvousRanking(key, ['branch-0', 'branch-1', 'branch-2', 'branch-3']))
  assert.deepEqual(order.slice(4), rendezvousRanking(key, ['hq-0', 'hq-1', 'hq-2', 'hq-3']))
  const last = answeredAt.get(order[7] as string) as number
  assert.ok(last >= 7 * STEP_MS, `the eighth rank waited 7 steps (${last.toFixed(0)} ms)`)
})

test('stop drops the answers still waiting', async () => {
  const answers: BlobId[] = []
  const holder = new WantAnswers({ holders: { of: () => [] }, self: { id: 'self', site: 'hq' }, members: async () => [], answer: blobId => { answers.push(blobId) }, stepMs: 5 })
  holder.want(BLOB, wanter('branch'))
  holder.stop()
  await delay(30)
  assert.deepEqual(answers, [])
})
