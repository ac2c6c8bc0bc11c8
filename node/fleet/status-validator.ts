import { FormatError } from '../../protocol/errors.ts'
import { MAX_STATUS_RECORD_BYTES, decodeStatusRecord } from '../../protocol/status-record.ts'
import type { FleetStore } from './fleet-store.ts'
import type { RateLimiter } from './rate-limit.ts'
import type { StatusRecord } from '../../protocol/status-record.ts'

/** @default 5 min: records dated further ahead than this come from a broken clock or a forger of time. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000

/** Why a status message was accepted, rejected or ignored; stable strings for logs and metrics. */
export type StatusRejectReason = 'too-large' | 'malformed' | 'bad-signature' | 'wrong-signer' | 'other-mesh' | 'from-the-future'
export type StatusIgnoreReason = 'unsupported-format' | 'stale-seq' | 'rate-limited' | 'internal-error'

export type StatusVerdict =
  | { result: 'accept', reason: 'stored', record: StatusRecord }
  | { result: 'reject', reason: StatusRejectReason, detail: string }
  | { result: 'ignore', reason: StatusIgnoreReason, detail: string }

export interface StatusValidationContext {
  /** This node's mesh name; records of other meshes are refused. */
  mesh: string
  fleet: Pick<FleetStore, 'seq' | 'offer'>
  /** Keyed by the record's node: the flood that matters is one node minting valid records fast. */
  limiter: Pick<RateLimiter, 'take'>
  /** Epoch milliseconds. */
  now: number
  /** @default MAX_STATUS_RECORD_BYTES */
  maxBytes?: number
  /** @default DEFAULT_MAX_CLOCK_SKEW_MS */
  maxClockSkewMs?: number
}

/**
 * Judges a status message from gossip or sync, and stores it in the fleet view when it accepts it,
 * so that 'accept' means "held as this node's newest record" and callers never store twice.
 * Never throws: a bad message is rejected (its sender's fault), our own failure is ignored.
 */
export async function validateStatusMessage (bytes: Uint8Array, context: StatusValidationContext): Promise<StatusVerdict> {
  try {
    const maxBytes = context.maxBytes ?? MAX_STATUS_RECORD_BYTES
    let record: StatusRecord
    try {
      record = decodeStatusRecord(bytes, { maxBytes })
    } catch (err) {
      return refusal(err)
    }
    if (record.mesh !== context.mesh) return { result: 'reject', reason: 'other-mesh', detail: `record of mesh "${record.mesh}"` }
    const ahead = Date.parse(record.publishedAt) - context.now
    if (ahead > (context.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS)) {
      return { result: 'reject', reason: 'from-the-future', detail: `published ${Math.round(ahead / 1000)} s ahead of this node's clock` }
    }
    // Replays are ignored, not rejected: an honest peer may relay a record late.
    const held = await context.fleet.seq(record.node)
    if (held !== undefined && held >= record.seq) return { result: 'ignore', reason: 'stale-seq', detail: `seq ${record.seq}; holding ${held}` }
    // Taken only now, after the signature and seq checks, so nobody can drain another node's bucket.
    if (!context.limiter.take(record.node, context.now)) return { result: 'ignore', reason: 'rate-limited', detail: `node ${record.node} publishes too often` }
    const stored = await context.fleet.offer({ bytes, record }, context.now)
    // 'stale-seq' here: a concurrent message of the same node got stored first.
    if (stored !== 'stored') return { result: 'ignore', reason: 'stale-seq', detail: `seq ${record.seq} lost a race` }
    return { result: 'accept', reason: 'stored', record }
  } catch (err) {
    return { result: 'ignore', reason: 'internal-error', detail: messageOf(err) }
  }
}

function refusal (err: unknown): StatusVerdict {
  const detail = messageOf(err)
  if (!(err instanceof FormatError)) return { result: 'reject', reason: 'malformed', detail }
  switch (err.code) {
    case 'ERR_TOO_LARGE': return { result: 'reject', reason: 'too-large', detail }
    case 'ERR_BAD_SIGNATURE': return { result: 'reject', reason: 'bad-signature', detail }
    case 'ERR_WRONG_SIGNER': return { result: 'reject', reason: 'wrong-signer', detail }
    // A newer peer during a rolling upgrade, not an attacker: don't hurt its score.
    case 'ERR_UNSUPPORTED_FORMAT': return { result: 'ignore', reason: 'unsupported-format', detail }
    default: return { result: 'reject', reason: 'malformed', detail }
  }
}

function messageOf (err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err)
  } catch {
    return 'an error that cannot be printed'
  }
}
