import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { deflateRawSync } from 'node:zlib'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { FormatError } from '../../protocol/errors.ts'
import {
  MAX_INFLATED_STATUS_BYTES, MAX_MISSING_IDS, MAX_STATUS_ADDRESSES, MAX_STATUS_ADDRESS_CHARS, MAX_STATUS_RECORD_BYTES, decodeStatusRecord, encodeStatusRecord,
  nextStatusSeq, peerIdFromEd25519PublicKey
} from '../../protocol/status-record.ts'
import { encodedRecord, sealEnvelope, statusRecord, testNode } from '../helpers/status-records.ts'
import { seededRandom } from '../helpers/random.ts'
import type { FormatErrorCode } from '../../protocol/errors.ts'
import type { StatusRecord } from '../../protocol/status-record.ts'

const me = testNode()
const other = testNode()

function refuses (bytes: Uint8Array, code: FormatErrorCode, options = {}): FormatError {
  let caught: unknown
  try { decodeStatusRecord(bytes, options) } catch (err) { caught = err }
  assert.ok(caught instanceof FormatError, `expected FormatError ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

/** A payload like a valid record of mine, changed by `change`, sealed with my key. */
function sealedWith (change: (record: Record<string, unknown>) => void): Uint8Array {
  const record: Record<string, unknown> = { ...statusRecord(me) }
  change(record)
  return sealEnvelope(record, me.key)
}

/** `count` distinct, sorted, realistic patch ids such as PMSA-2026-0152-deb12. */
function patchIds (count: number): string[] {
  const random = seededRandom(count)
  const suffixes = ['deb12', 'deb11', 'el9', 'el8', 'ubuntu2204']
  const ids = new Set<string>()
  while (ids.size < count) {
    const year = 2019 + Math.floor(random() * 8)
    const number = String(1 + Math.floor(random() * 2999)).padStart(4, '0')
    ids.add(`PMSA-${year}-${number}-${suffixes[Math.floor(random() * suffixes.length)] ?? 'deb12'}`)
  }
  return [...ids].sort()
}

function recordMissing (ids: string[]): StatusRecord {
  const half = Math.floor(ids.length / 2)
  return statusRecord(me, {
    missing: ids,
    summary: { missing: ids.length, superseded: 40, installed: 900, 'not-applicable': 20_000 },
    missingBySeverity: { critical: half, important: ids.length - half }
  })
}

describe('status record: encoding', () => {
  it('decodes to exactly the record that was encoded', () => {
    const record = statusRecord(me, { catalog: null, scannedAt: null, site: '', missing: [], summary: { missing: 0, superseded: 0, installed: 0, 'not-applicable': 0 }, missingBySeverity: {} })
    assert.deepEqual(decodeStatusRecord(encodeStatusRecord(record, me.key)), record)
    assert.deepEqual(decodeStatusRecord(encodedRecord(me)), statusRecord(me))
  })

  it('follows the documented envelope layout: PMSR, format 1, deflate-raw JSON, key, signature', () => {
    assert.deepEqual(decodeStatusRecord(sealEnvelope(statusRecord(me), me.key)), statusRecord(me))
    const bytes = encodedRecord(me)
    assert.equal(Buffer.from(bytes.subarray(0, 5)).toString('latin1'), 'PMSR\x01')
    assert.deepEqual(bytes.subarray(bytes.byteLength - 96, bytes.byteLength - 64), me.key.publicKey)
  })

  it('refuses to encode a record naming another node', () => {
    assert.throws(() => encodeStatusRecord(statusRecord(other), me.key), { code: 'ERR_WRONG_SIGNER' })
  })

  it('refuses to encode with a key whose public half does not match its seed', () => {
    const mismatched = { privateKey: other.key.privateKey, publicKey: me.key.publicKey }
    assert.throws(() => encodeStatusRecord(statusRecord(me), mismatched), { code: 'ERR_BAD_SIGNATURE' })
  })

  it('refuses to encode an invalid record', () => {
    assert.throws(() => encodeStatusRecord(statusRecord(me, { seq: -1 }), me.key), { code: 'ERR_SCHEMA' })
  })

  it('refuses to encode a record too large to gossip', () => {
    assert.throws(() => encodeStatusRecord(recordMissing(patchIds(25_000)), me.key), { code: 'ERR_TOO_LARGE' })
  })

  it('keeps 1,000 missing patch ids under 8 KiB and 10,000 under the 64 KiB limit', (t) => {
    const thousand = encodeStatusRecord(recordMissing(patchIds(1_000)), me.key).byteLength
    const tenThousand = encodeStatusRecord(recordMissing(patchIds(10_000)), me.key).byteLength
    t.diagnostic(`record size: 2 missing ${encodedRecord(me).byteLength} B, 1,000 missing ${thousand} B, 10,000 missing ${tenThousand} B`)
    assert.ok(thousand < 8 * 1024, `${thousand} bytes`)
    assert.ok(tenThousand < MAX_STATUS_RECORD_BYTES, `${tenThousand} bytes`)
  })
})

describe('status record: signatures and signers', () => {
  it('fails with the code of the part hit when any single byte is flipped', () => {
    const bytes = encodedRecord(me)
    for (let i = 0; i < bytes.byteLength; i++) {
      const tampered = bytes.slice()
      tampered[i] = (tampered[i] ?? 0) ^ 0xff
      refuses(tampered, i < 4 ? 'ERR_SCHEMA' : i === 4 ? 'ERR_UNSUPPORTED_FORMAT' : 'ERR_BAD_SIGNATURE')
    }
  })

  it('refuses a record that names another node but is signed with my key', () => {
    refuses(sealEnvelope(statusRecord(other), me.key), 'ERR_WRONG_SIGNER')
  })

  it('refuses a valid record whose key and signature were swapped for another node\'s', () => {
    const bytes = encodedRecord(me)
    const signedPart = bytes.subarray(0, bytes.byteLength - 96)
    const resealed = sealEnvelope(signedPart.subarray(5), other.key)
    refuses(resealed, 'ERR_WRONG_SIGNER')
  })

  it('computes the same peer id as @libp2p/peer-id for generated keys', async () => {
    for (let i = 0; i < 20; i++) {
      const key = await generateKeyPair('Ed25519')
      assert.equal(peerIdFromEd25519PublicKey(key.publicKey.raw), peerIdFromPrivateKey(key).toString())
    }
  })

  it('verifies a record signed with a libp2p node key as that node', async () => {
    const libp2pKey = await generateKeyPair('Ed25519')
    const key = { privateKey: libp2pKey.raw.subarray(0, 32), publicKey: libp2pKey.publicKey.raw }
    const id = peerIdFromPrivateKey(libp2pKey).toString()
    const record = statusRecord({ key, id })
    assert.deepEqual(decodeStatusRecord(encodeStatusRecord(record, key)), record)
  })

  it('refuses a public key that is not 32 bytes', () => {
    assert.throws(() => peerIdFromEd25519PublicKey(new Uint8Array(33)), { code: 'ERR_SCHEMA' })
  })
})

describe('status record: limits', () => {
  it('refuses bytes over the limit before looking at them', () => {
    refuses(new Uint8Array(MAX_STATUS_RECORD_BYTES + 1), 'ERR_TOO_LARGE')
    refuses(encodedRecord(me), 'ERR_TOO_LARGE', { maxBytes: 100 })
  })

  it('stops inflating a decompression bomb at the inflate limit', () => {
    const bomb = deflateRawSync(Buffer.alloc(8 * MAX_INFLATED_STATUS_BYTES, 0x20), { level: 9 })
    refuses(sealEnvelope(bomb, me.key), 'ERR_TOO_LARGE')
  })

  it('refuses a truncated envelope', () => {
    refuses(encodedRecord(me).subarray(0, 100), 'ERR_SCHEMA')
  })

  it('refuses a signed payload that is not deflate-raw data', () => {
    refuses(sealEnvelope(Buffer.from('{"not": "deflated"}'), me.key), 'ERR_SCHEMA')
  })

  it('refuses a signed payload that is not UTF-8 JSON', () => {
    refuses(sealEnvelope(deflateRawSync(Buffer.from('mesh=x')), me.key), 'ERR_SCHEMA')
    refuses(sealEnvelope(deflateRawSync(Buffer.of(0x22, 0xff, 0x22)), me.key), 'ERR_SCHEMA')
  })

  it('refuses an envelope of a newer format', () => {
    refuses(sealEnvelope(statusRecord(me), me.key, 2), 'ERR_UNSUPPORTED_FORMAT')
  })
})

describe('status record: schema', () => {
  const tooMany = Array.from({ length: MAX_MISSING_IDS + 1 }, () => 'p')
  const violations: Array<[string, (record: Record<string, unknown>) => void, string]> = [
    ['a negative seq', r => { r.seq = -1 }, 'seq'],
    ['a fractional seq', r => { r.seq = 1.5 }, 'seq'],
    ['a seq beyond the safe integers', r => { r.seq = 2 ** 53 }, 'seq'],
    ['a seq written as a string', r => { r.seq = '5' }, 'seq'],
    ['an empty mesh', r => { r.mesh = '' }, 'mesh'],
    ['a node id longer than 128 characters', r => { r.node = 'x'.repeat(129) }, 'node'],
    ['a host with a line break', r => { r.host = 'web\n01' }, 'host'],
    ['a host with a lone surrogate', r => { r.host = 'web\ud800' }, 'host'],
    ['a missing host', r => { delete r.host }, 'record'],
    ['an unknown field', r => { r.extra = 1 }, 'record'],
    ['a catalog without a version', r => { r.catalog = { id: 'c' } }, 'catalog'],
    ['a catalog given as a string', r => { r.catalog = 'c' }, 'catalog'],
    ['a summary without a state', r => { r.summary = { missing: 2, superseded: 1, installed: 5 } }, 'summary'],
    ['a negative summary count', r => { r.summary = { missing: 2, superseded: -1, installed: 5, 'not-applicable': 14 } }, 'summary.superseded'],
    ['an unknown severity', r => { r.missingBySeverity = { critical: 1, urgent: 1 } }, 'missingBySeverity'],
    ['a __proto__ severity', r => { r.missingBySeverity = { critical: 1, ['__proto__']: 1 } }, 'missingBySeverity'],
    ['a severity count that is not a number', r => { r.missingBySeverity = { critical: 1, important: '1' } }, 'missingBySeverity.important'],
    ['severity counts that disagree with the summary', r => { r.missingBySeverity = { critical: 1 } }, 'missingBySeverity'],
    ['missing ids that are not a list', r => { r.missing = 'PMSA-2026-0152-deb12' }, 'missing'],
    ['a missing id that is a number', r => { r.missing = ['PMSA-2026-0152-deb12', 153] }, 'missing[1]'],
    ['a missing id longer than 128 characters', r => { r.missing = ['PMSA-2026-0152-deb12', 'x'.repeat(129)] }, 'missing[1]'],
    ['more missing ids than the limit', r => { r.missing = tooMany }, 'missing'],
    ['fewer missing ids than the summary counts', r => { r.missing = ['PMSA-2026-0152-deb12'] }, 'missing'],
    ['a scannedAt that is not a timestamp', r => { r.scannedAt = 'yesterday' }, 'scannedAt'],
    ['a publishedAt without a time', r => { r.publishedAt = '2026-11-01' }, 'publishedAt'],
    ['a publishedAt on a day that does not exist', r => { r.publishedAt = '2026-02-30T00:00:00.000Z' }, 'publishedAt'],
    ['a publishedAt with an offset instead of Z', r => { r.publishedAt = '2026-11-01T13:00:00.000+01:00' }, 'publishedAt'],
    ['a record without addresses', r => { delete r.addresses }, 'record'],
    ['addresses that are not a list', r => { r.addresses = '/ip4/192.0.2.10/tcp/4001' }, 'addresses'],
    ['more addresses than the limit', r => { r.addresses = Array.from({ length: MAX_STATUS_ADDRESSES + 1 }, (_, i) => `/ip4/192.0.2.10/tcp/${4001 + i}`) }, 'addresses'],
    ['an address that is a number', r => { r.addresses = ['/ip4/192.0.2.10/tcp/4001', 4001] }, 'addresses[1]'],
    ['an empty address', r => { r.addresses = [''] }, 'addresses[0]'],
    ['an address longer than the limit', r => { r.addresses = [`/dns4/${'a'.repeat(MAX_STATUS_ADDRESS_CHARS)}.example/tcp/4001`] }, 'addresses[0]'],
    ['an address that is not a multiaddr', r => { r.addresses = ['/ip4/192.0.2.10/tcp/4001', '192.0.2.11:4001'] }, 'addresses[1]'],
    ['an address with an unknown protocol', r => { r.addresses = ['/ipx/192.0.2.10/tcp/4001'] }, 'addresses[0]'],
    ['an address with an impossible value', r => { r.addresses = ['/ip4/192.0.2.300/tcp/4001'] }, 'addresses[0]'],
    ['an address spelt in a non-canonical way', r => { r.addresses = ['/ip6/2001:db8:0:0:0:0:0:10/tcp/4001'] }, 'addresses[0]'],
    ['an address with a line break', r => { r.addresses = ['/ip4/192.0.2.10/tcp/4001\n'] }, 'addresses[0]'],
    ['an address of another peer', r => { r.addresses = [`/ip4/192.0.2.10/tcp/4001/p2p/${other.id}`] }, 'addresses[0]'],
    ['an address with a /p2p part in the middle', r => { r.addresses = [`/ip4/192.0.2.10/p2p/${me.id}/tcp/4001`] }, 'addresses[0]']
  ]
  for (const [what, change, field] of violations) {
    it(`refuses ${what} with ERR_SCHEMA naming "${field}"`, () => {
      const err = refuses(sealedWith(change), 'ERR_SCHEMA')
      assert.match(err.message, new RegExp(`field "${field.replace(/[[\].]/g, '\\$&')}"`))
    })
  }

  it('refuses a payload that is a list, not an object, with ERR_SCHEMA', () => {
    refuses(sealEnvelope([statusRecord(me)], me.key), 'ERR_SCHEMA')
  })

  it('refuses a patch id listed twice with ERR_DUPLICATE_ID', () => {
    refuses(sealedWith(r => { r.missing = ['PMSA-2026-0152-deb12', 'PMSA-2026-0152-deb12'] }), 'ERR_DUPLICATE_ID')
  })

  it('refuses an address listed twice with ERR_DUPLICATE_ID naming it', () => {
    const err = refuses(sealedWith(r => { r.addresses = ['/ip4/192.0.2.10/tcp/4001', '/ip4/192.0.2.10/tcp/4001'] }), 'ERR_DUPLICATE_ID')
    assert.match(err.message, /field "addresses\[1\]"/)
  })
})

describe('status record: addresses', () => {
  it('carries no addresses, or up to the limit, with or without the node\'s own /p2p part', () => {
    const full = Array.from({ length: MAX_STATUS_ADDRESSES }, (_, i) => `/ip4/192.0.2.${10 + i}/tcp/4001`)
    for (const addresses of [[], full, [`/ip4/192.0.2.10/tcp/4001/p2p/${me.id}`], ['/ip6/::1/tcp/4001', '/dns4/fs01.branch.example/tcp/4001']]) {
      const record = statusRecord(me, { addresses })
      assert.deepEqual(decodeStatusRecord(encodeStatusRecord(record, me.key)), record)
    }
  })

  it('refuses to encode a record whose address does not parse', () => {
    assert.throws(() => encodeStatusRecord(statusRecord(me, { addresses: ['not an address'] }), me.key), { code: 'ERR_SCHEMA' })
  })
})

describe('status record: seq', () => {
  it('nextStatusSeq moves past the previous seq even when the clock is behind it', () => {
    assert.equal(nextStatusSeq(5_000, 1_000), 5_001)
  })

  it('nextStatusSeq jumps to the clock, so a node that lost its database still outranks its old records', () => {
    assert.equal(nextStatusSeq(undefined, 1_700_000_000_123.7), 1_700_000_000_123)
    assert.equal(nextStatusSeq(5, 1_700_000_000_000), 1_700_000_000_000)
  })
})
