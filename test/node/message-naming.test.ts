import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { messageNaming } from '../../node/mesh/libp2p.ts'
import type { Message } from '@libp2p/gossipsub'

const STATUS = '/patchmesh/test/status/1'
const BLOBS = '/patchmesh/test/blobs/1'
const naming = messageNaming([STATUS])

/** A gossip author: its peer id's bytes, and its signed messages as gossipsub hands them to msgIdFn. */
async function author (): Promise<{ from: Uint8Array, message: (topic: string, data: Uint8Array, seqno: bigint) => Message }> {
  const key = await generateKeyPair('Ed25519')
  const from = peerIdFromPrivateKey(key)
  return {
    from: from.toMultihash().bytes,
    message: (topic, data, sequenceNumber) => ({ type: 'signed', from, topic, data, sequenceNumber, key: key.publicKey, signature: new Uint8Array(64) })
  }
}

const hex = (id: Uint8Array | Promise<Uint8Array>): string => Buffer.from(id as Uint8Array).toString('hex')
const seqnoBytes = (n: number): Uint8Array => Buffer.from(n.toString(16).padStart(16, '0'), 'hex')

test('a status record gossiped by two nodes is one message: sync\'s relay of it does not cross the mesh again', async () => {
  const [a, b] = [await author(), await author()]
  const record = new TextEncoder().encode('signed status record')
  assert.equal(hex(naming.msgIdFn(a.message(STATUS, record, 1n))), hex(naming.msgIdFn(b.message(STATUS, record, 7n))))
  assert.equal(naming.fastMsgIdFn({ topic: STATUS, data: record, from: a.from, seqno: seqnoBytes(1) }), naming.fastMsgIdFn({ topic: STATUS, data: record, from: b.from, seqno: seqnoBytes(7) }))
  const other = new TextEncoder().encode('another record')
  assert.notEqual(hex(naming.msgIdFn(a.message(STATUS, record, 1n))), hex(naming.msgIdFn(a.message(STATUS, other, 1n))))
  assert.notEqual(naming.fastMsgIdFn({ topic: STATUS, data: record, from: a.from }), naming.fastMsgIdFn({ topic: STATUS, data: other, from: a.from }))
})

test('the same blob advertisement from two holders is two messages: each names its author', async () => {
  const [a, b] = [await author(), await author()]
  const have = new TextEncoder().encode('whole copy of blob X')
  assert.notEqual(hex(naming.msgIdFn(a.message(BLOBS, have, 1n))), hex(naming.msgIdFn(b.message(BLOBS, have, 1n))))
  assert.notEqual(hex(naming.msgIdFn(a.message(BLOBS, have, 1n))), hex(naming.msgIdFn(a.message(BLOBS, have, 2n))))
  assert.notEqual(naming.fastMsgIdFn({ topic: BLOBS, data: have, from: a.from, seqno: seqnoBytes(1) }), naming.fastMsgIdFn({ topic: BLOBS, data: have, from: b.from, seqno: seqnoBytes(1) }))
})
