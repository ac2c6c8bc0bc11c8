import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { ADMIN_MESSAGE_FORMAT, MAX_ADMIN_MESSAGE_BYTES, decodeAdminMessage, encodeAdminMessage } from '../../protocol/admin-message.ts'
import { MAX_PACKAGE_MANIFEST_BYTES } from '../../protocol/package-manifest.ts'
import { MAX_SIGNATURES, generateSigningKey } from '../../protocol/signatures.ts'
import { sampleManifest, signText, signedManifest } from '../helpers/admin-documents.ts'
import { expectFormatError } from '../helpers/format-error.ts'
import type { AdminMessageKind } from '../../protocol/admin-message.ts'

const key = generateSigningKey()
const document = signedManifest(sampleManifest(), [key])

describe('admin messages', () => {
  it('decodes to the kind and signed document that were encoded', () => {
    for (const kind of ['catalog-announcement', 'package-manifest', 'mesh-update'] as AdminMessageKind[]) {
      assert.deepEqual(decodeAdminMessage(encodeAdminMessage({ kind, document })), { kind, document })
    }
  })

  it('carries the largest manifest with the most signatures under the gossip limit', () => {
    const keys = Array.from({ length: MAX_SIGNATURES }, () => generateSigningKey())
    const largest = signText(`<!--${'x'.repeat(MAX_PACKAGE_MANIFEST_BYTES - 7)}-->`, keys)
    assert.equal(largest.bytes.byteLength, MAX_PACKAGE_MANIFEST_BYTES)
    assert.ok(encodeAdminMessage({ kind: 'package-manifest', document: largest }).byteLength <= MAX_ADMIN_MESSAGE_BYTES)
  })

  it('refuses a message over the size limit before decoding it', () => {
    expectFormatError(() => decodeAdminMessage(new Uint8Array(MAX_ADMIN_MESSAGE_BYTES + 1)), 'ERR_TOO_LARGE')
  })

  it('refuses to encode a message its peers would refuse for size', () => {
    const huge = signText('x'.repeat(MAX_ADMIN_MESSAGE_BYTES), [])
    expectFormatError(() => encodeAdminMessage({ kind: 'package-manifest', document: huge }), 'ERR_TOO_LARGE')
  })

  it('refuses bytes that are not an admin message', () => {
    expectFormatError(() => decodeAdminMessage(new TextEncoder().encode('PMSR\u0001\u0001{}')), 'ERR_SCHEMA')
    expectFormatError(() => decodeAdminMessage(new Uint8Array(0)), 'ERR_SCHEMA')
  })

  it('refuses a format from a newer version as unsupported', () => {
    const bytes = encodeAdminMessage({ kind: 'mesh-update', document })
    bytes[4] = ADMIN_MESSAGE_FORMAT + 1
    expectFormatError(() => decodeAdminMessage(bytes), 'ERR_UNSUPPORTED_FORMAT')
  })

  it('refuses an unknown kind as unsupported', () => {
    const bytes = encodeAdminMessage({ kind: 'mesh-update', document })
    bytes[5] = 9
    expectFormatError(() => decodeAdminMessage(bytes), 'ERR_UNSUPPORTED_FORMAT')
  })

  it('refuses a broken signed-document envelope', () => {
    const bytes = encodeAdminMessage({ kind: 'package-manifest', document })
    expectFormatError(() => decodeAdminMessage(bytes.subarray(0, bytes.length - 2)), 'ERR_SCHEMA')
  })
})
