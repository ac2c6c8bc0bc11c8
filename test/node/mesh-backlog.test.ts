import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_MESH_BACKLOG_BYTES, MAX_MESH_BACKLOG_ENTRIES, MeshBacklog } from '../../node/admin-docs/mesh-backlog.ts'
import { signText, testKeys } from '../helpers/admin-documents.ts'
import type { BacklogEntry } from '../../node/admin-docs/mesh-backlog.ts'

const { outsider } = testKeys(0)

function entry (version: number, text = `mesh ${version}`, from = 'peer'): BacklogEntry {
  return { version, message: { kind: 'mesh-update', document: signText(text, [outsider]) }, from }
}

test('hands back what it holds lowest version first, once', () => {
  const backlog = new MeshBacklog()
  for (const version of [5, 3, 4]) backlog.hold(entry(version))
  assert.deepEqual(backlog.takeAll().map(held => held.version), [3, 4, 5])
  assert.deepEqual(backlog.takeAll(), [])
})

test('holds the same bytes once, as the copy handed over last', () => {
  const backlog = new MeshBacklog()
  backlog.hold(entry(3, 'same', 'first'))
  backlog.hold(entry(3, 'same', 'second'))
  assert.deepEqual(backlog.takeAll().map(held => held.from), ['second'])
})

test('past its limits it drops the highest versions, the last to become judgeable', () => {
  const backlog = new MeshBacklog()
  for (let version = MAX_MESH_BACKLOG_ENTRIES + 2; version >= 2; version--) backlog.hold(entry(version))
  const held = backlog.takeAll().map(kept => kept.version)
  assert.equal(held.length, MAX_MESH_BACKLOG_ENTRIES)
  assert.equal(held.at(-1), MAX_MESH_BACKLOG_ENTRIES + 1)

  const padded = 'x'.repeat(MAX_MESH_BACKLOG_BYTES / 2)
  for (const version of [4, 3, 2]) backlog.hold(entry(version, `${padded}${version}`))
  assert.deepEqual(backlog.takeAll().map(kept => kept.version), [2])
})
