import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keptInSite, liveSiteMembers, siteKeepers } from '../../node/blobs/site-keepers.ts'
import { blobIdFor } from '../helpers/admin-documents.ts'
import type { MemberEntry } from '../../node/blobs/site-keepers.ts'

const MEMBERS = ['node-a', 'node-b', 'node-c', 'node-d', 'node-e']
const BLOBS = Array.from({ length: 200 }, (_, i) => blobIdFor(`patch file ${i}`))

function entry (node: string, site = 'branch', stale = false): MemberEntry {
  return { record: { node, site }, stale }
}

test('every member of the site names the same keepers, whatever order its fleet view lists them in', () => {
  const entries = MEMBERS.map(node => entry(node))
  for (const blob of BLOBS.slice(0, 20)) {
    const seen = MEMBERS.map((self, i) => {
      const listed = [...entries.slice(i), ...entries.slice(0, i)].reverse()
      return siteKeepers(blob, liveSiteMembers(listed, { id: self, site: 'branch' }), 2)
    })
    for (const keepers of seen) assert.deepEqual(keepers, seen[0])
  }
})

test('the keepers are the first N of the ranking: N distinct members, all members when the site is smaller, none for 0', () => {
  for (const blob of BLOBS.slice(0, 20)) {
    const keepers = siteKeepers(blob, MEMBERS, 2)
    assert.equal(new Set(keepers).size, 2)
    assert.ok(keepers.every(keeper => MEMBERS.includes(keeper)))
    assert.deepEqual(siteKeepers(blob, MEMBERS, 3).slice(0, 2), keepers, 'one copy more adds a keeper, it moves none')
    assert.deepEqual(siteKeepers(blob, MEMBERS, 9).sort(), [...MEMBERS].sort())
    assert.deepEqual(siteKeepers(blob, MEMBERS, 0), [])
  }
})

test('the keepers of many blobs are spread over the members', () => {
  const counts = new Map<string, number>()
  for (const blob of BLOBS) for (const keeper of siteKeepers(blob, MEMBERS, 2)) counts.set(keeper, (counts.get(keeper) ?? 0) + 1)
  // 400 copies over 5 members: 80 each on average; a hash that favoured some would leave others near 0.
  for (const member of MEMBERS) assert.ok((counts.get(member) ?? 0) > 40, `${member} keeps ${counts.get(member) ?? 0} of ${BLOBS.length * 2}`)
})

test('stale members and members of other sites are not ranked; this node always is', () => {
  const entries = [entry('node-a'), entry('node-b', 'branch', true), entry('node-c', 'hq'), entry('self', 'branch', true)]
  assert.deepEqual(liveSiteMembers(entries, { id: 'self', site: 'branch' }).sort(), ['node-a', 'self'])
  assert.deepEqual(liveSiteMembers([], { id: 'self', site: 'branch' }), ['self'])
  for (const blob of BLOBS.slice(0, 20)) assert.ok(!siteKeepers(blob, liveSiteMembers(entries, { id: 'self', site: 'branch' }), 9).includes('node-b'))
})

test('when a keeper goes, the other keeper stays and the next in the ranking takes its place', () => {
  for (const blob of BLOBS) {
    const ranking = siteKeepers(blob, MEMBERS, MEMBERS.length)
    const [first, second, third] = ranking
    const remaining = MEMBERS.filter(member => member !== first)
    assert.deepEqual(siteKeepers(blob, remaining, 2), [second, third])
    const withoutSecond = MEMBERS.filter(member => member !== second)
    assert.deepEqual(siteKeepers(blob, withoutSecond, 2), [first, third])
  }
})

test('a member that is not a keeper leaving changes no keeper', () => {
  for (const blob of BLOBS) {
    const keepers = siteKeepers(blob, MEMBERS, 2)
    const last = siteKeepers(blob, MEMBERS, MEMBERS.length).at(-1)
    assert.deepEqual(siteKeepers(blob, MEMBERS.filter(member => member !== last), 2), keepers)
  }
})

test('a package whose target lists sites is kept only in those sites; one without site list in every site', () => {
  assert.equal(keptInSite({ sites: ['hq', 'branch'] }, 'branch'), true)
  assert.equal(keptInSite({ sites: ['hq'] }, 'branch'), false)
  assert.equal(keptInSite({ tags: ['kiosk'] }, 'branch'), true)
  assert.equal(keptInSite(undefined, 'branch'), true)
})
