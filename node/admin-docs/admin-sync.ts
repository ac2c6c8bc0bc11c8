import { isAdminMessage } from '../../protocol/admin-message.ts'
import { isAdminSyncKey } from './admin-doc-store.ts'
import { AdminDocuments } from './admin-documents.ts'
import type { AdminOutcome } from './admin-documents.ts'
import type { MessageValidator, SyncedRecords } from '../mesh/mesh.ts'

/** Resolves when a stored document may be passed on (a catalog announcement: once its catalog is held, see CatalogDistribution.blobHeld). */
export type BeforeRelay = (outcome: AdminOutcome) => Promise<void>

/**
 * Admin documents as anti-entropy carries them: a node that missed the gossip gets the newest of
 * each from a peer, and every mesh version up to the peer's, so a node that missed rotations catches up.
 */
export function adminSyncRecords (admin: AdminDocuments, relay: (bytes: Uint8Array) => Promise<void>, beforeRelay?: BeforeRelay): SyncedRecords {
  return {
    digest: async () => await admin.syncDigest(),
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
        await beforeRelay?.(outcome)
        await relay(bytes)
      })()
      return true
    }
  }
}

/**
 * The admin topic's gossip validator: every message is offered to the admin documents as handed over
 * by the peer that relayed it. A stored document is relayed on only once `beforeRelay` resolves.
 */
export function adminGossipValidator (admin: AdminDocuments, beforeRelay?: BeforeRelay): MessageValidator {
  return async (bytes, _author, relay) => {
    const outcome = await admin.offer(bytes, relay.toString())
    if (outcome.result === 'stored') await beforeRelay?.(outcome)
    return AdminDocuments.gossipResult(outcome)
  }
}
