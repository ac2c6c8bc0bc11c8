import { isAdminMessage } from '../../protocol/admin-message.ts'
import { isAdminSyncKey, syncKey } from './admin-doc-store.ts'
import { AdminDocuments } from './admin-documents.ts'
import type { AdminOutcome } from './admin-documents.ts'
import type { MessageValidator, SyncedRecords } from '../mesh/mesh.ts'

/** Resolves when a stored document may be passed on (a catalog announcement: once its catalog is held, see CatalogDistribution.blobHeld). */
export type BeforeRelay = (outcome: AdminOutcome) => Promise<void>

/**
 * Admin documents this node stored but may not pass on yet (BeforeRelay). Gossip relays each once it
 * is released, and anti-entropy leaves it out of this node's digest until then: a peer that synced in
 * the first moments of a catalog learned the announcement from a node that could not serve the
 * catalog yet, asked that node first and was told it is not held.
 */
export class RelayHold {
  readonly #before: BeforeRelay
  /** Sync keys held back, with how many documents under each are waiting. */
  readonly #held = new Map<string, number>()

  constructor (before: BeforeRelay = async () => {}) {
    this.#before = before
  }

  /** Resolves when the stored document may be passed on. */
  async release (outcome: AdminOutcome): Promise<void> {
    const key = outcome.kind === 'unknown' || outcome.name == null ? undefined : syncKey(outcome.kind, outcome.name)
    if (key !== undefined) this.#held.set(key, (this.#held.get(key) ?? 0) + 1)
    try {
      await this.#before(outcome)
    } finally {
      if (key !== undefined) {
        const left = (this.#held.get(key) ?? 1) - 1
        if (left > 0) this.#held.set(key, left)
        else this.#held.delete(key)
      }
    }
  }

  holds (key: string): boolean {
    return this.#held.has(key)
  }
}

/**
 * Admin documents as anti-entropy carries them: a node that missed the gossip gets the newest of
 * each from a peer, and every mesh version up to the peer's, so a node that missed rotations catches up.
 */
export function adminSyncRecords (admin: AdminDocuments, relay: (bytes: Uint8Array) => Promise<void>, hold = new RelayHold()): SyncedRecords {
  return {
    digest: async () => (await admin.syncDigest()).filter(([key]) => !hold.holds(key)),
    owns: isAdminSyncKey,
    encoded: async name => await admin.store.encoded(name),
    recognises: isAdminMessage,
    receive: async (bytes, from) => {
      const outcome = await admin.offer(bytes, from.toString())
      if (outcome.result !== 'stored') return false
      // Learned by sync, passed on by gossip, so it spreads at gossip speed; held back like a gossiped
      // one (a sync round in the first moments of a catalog hands the announcement to a node that does
      // not hold the catalog yet), without holding up the sync round.
      void (async () => {
        await hold.release(outcome)
        await relay(bytes)
      })()
      return true
    }
  }
}

/**
 * The admin topic's gossip validator: every message is offered to the admin documents as handed over
 * by the peer that relayed it. A stored document is relayed on only once the hold releases it.
 */
export function adminGossipValidator (admin: AdminDocuments, hold = new RelayHold()): MessageValidator {
  return async (bytes, _author, relay) => {
    const outcome = await admin.offer(bytes, relay.toString())
    if (outcome.result === 'stored') await hold.release(outcome)
    return AdminDocuments.gossipResult(outcome)
  }
}
