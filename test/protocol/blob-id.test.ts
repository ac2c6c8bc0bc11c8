import assert from 'node:assert/strict'
import { test } from 'node:test'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { blobIdFromSha256, blobIdOf, parseBlobId, sha256 } from '../../protocol/blob-id.ts'
import { expectFormatError } from '../helpers/format-error.ts'

/** The well-known CIDv1 (raw, sha2-256) of zero bytes. */
const EMPTY_BLOB_ID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'

test('the blob id of zero bytes is the well-known raw CIDv1', () => {
  assert.equal(blobIdOf(new Uint8Array(0)), EMPTY_BLOB_ID)
})

test('a blob id round-trips to its sha2-256 digest', () => {
  const digest = sha256(new TextEncoder().encode('patch file'))
  const id = blobIdFromSha256(digest)
  assert.match(id, /^bafkrei[a-z2-7]{52}$/)
  assert.deepEqual(parseBlobId(id), digest)
})

test('a digest that is not 32 bytes is ERR_SCHEMA', () => {
  expectFormatError(() => blobIdFromSha256(new Uint8Array(31)), 'ERR_SCHEMA')
  expectFormatError(() => blobIdFromSha256(new Uint8Array(33)), 'ERR_SCHEMA')
})

test('ids of another version, codec, hash or spelling are ERR_SCHEMA', () => {
  const digest = sha256(new Uint8Array([1, 2, 3]))
  const valid = CID.parse(blobIdFromSha256(digest))
  const refused = {
    'CIDv0': CID.createV0(createDigest(0x12, digest)).toString(),
    'dag-pb codec': CID.createV1(0x70, createDigest(0x12, digest)).toString(),
    'sha2-512': CID.createV1(0x55, createDigest(0x13, new Uint8Array(64))).toString(),
    'truncated sha2-256': CID.createV1(0x55, createDigest(0x12, digest.subarray(0, 20))).toString(),
    'base58btc spelling': valid.toString(base58btc),
    'upper-case base32': valid.toString().toUpperCase(),
    'path traversal': '../../etc/passwd',
    'empty': '',
    'too long': `b${'a'.repeat(200)}`
  }
  for (const [what, text] of Object.entries(refused)) {
    const err = expectFormatError(() => parseBlobId(text, 'manifest'), 'ERR_SCHEMA')
    assert.equal(err.location.source, 'manifest', what)
  }
})
