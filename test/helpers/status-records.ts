import { createPrivateKey } from 'node:crypto'
import { deflateRawSync } from 'node:zlib'
import { fromBase64Url, generateSigningKey, signBytes } from '../../protocol/signatures.ts'
import { encodeStatusRecord, peerIdFromEd25519PublicKey } from '../../protocol/status-record.ts'
import type { SigningKey } from '../../protocol/signatures.ts'
import type { StatusRecord } from '../../protocol/status-record.ts'

export const TEST_MESH = 'test-mesh'
/** A fixed publication time, so tests inject `now` relative to it. */
export const PUBLISHED_AT = '2026-11-01T12:00:00.000Z'
export const PUBLISHED_MS = Date.parse(PUBLISHED_AT)

/** A node: its signing key and the peer id its records carry. */
export interface TestNode {
  key: SigningKey
  id: string
}

/** A new node; with `seed` (1 byte, repeated into the 32-byte private seed) the same node every run. */
export function testNode (seed?: number): TestNode {
  const key = seed === undefined ? generateSigningKey() : keyFromSeed(new Uint8Array(32).fill(seed))
  return { key, id: peerIdFromEd25519PublicKey(key.publicKey) }
}

/** The Ed25519 key pair of a 32-byte seed (PKCS#8 wrapping, as node:crypto imports raw seeds). */
function keyFromSeed (seed: Uint8Array): SigningKey {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed])
  const jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' })
  return { privateKey: seed, publicKey: fromBase64Url(jwk.x ?? '') }
}

/** A valid record of `node` with two missing patches, changed by `overrides`. */
export function statusRecord (node: TestNode, overrides: Partial<StatusRecord> = {}): StatusRecord {
  return {
    mesh: TEST_MESH,
    node: node.id,
    seq: 1,
    host: 'web-01',
    os: 'debian',
    versionId: '12',
    site: 'berlin',
    addresses: ['/ip4/192.0.2.10/tcp/4001', '/ip6/2001:db8::10/tcp/4001'],
    agentVersion: '0.1.0',
    catalog: { id: 'patchmesh-example', version: 12 },
    summary: { missing: 2, superseded: 1, installed: 5, 'not-applicable': 14 },
    missingBySeverity: { critical: 1, important: 1 },
    missing: ['PMSA-2026-0152-deb12', 'PMSA-2026-0153-deb12'],
    scannedAt: '2026-11-01T11:59:00.000Z',
    publishedAt: PUBLISHED_AT,
    ...overrides
  }
}

/** Encodes a valid record of `node` with the given overrides. */
export function encodedRecord (node: TestNode, overrides: Partial<StatusRecord> = {}): Uint8Array {
  return encodeStatusRecord(statusRecord(node, overrides), node.key)
}

/**
 * Builds an envelope by hand, following the documented layout rather than the encoder:
 * "PMSR" ‖ format ‖ payload ‖ public key ‖ Ed25519 signature over everything before the key.
 * `payload` is JSON-encoded and deflated unless it is already bytes.
 */
export function sealEnvelope (payload: unknown, key: SigningKey, format = 1): Uint8Array {
  const body = payload instanceof Uint8Array ? payload : deflateRawSync(JSON.stringify(payload))
  const signed = Buffer.concat([Buffer.from('PMSR'), Buffer.of(format), body])
  return new Uint8Array(Buffer.concat([signed, key.publicKey, signBytes(signed, key)]))
}

