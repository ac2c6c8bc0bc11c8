import type { BlobHolders } from './blob-holders.ts'
import type { BlobId } from '../../protocol/blob-id.ts'

/** @default 3 whole copies named in answer to one want: a wanter needs a few holders, not every one. */
export const ANSWERS_PER_WANT = 3
/** @default 500 ms: the longest random wait before a holder answers a want, so the first answers can silence the rest. */
export const ANSWER_SPREAD_MS = 500

export interface WantAnswersInit {
  holders: Pick<BlobHolders, 'of'>
  /** This node's site: a wanter in it is answered by a site-mate whatever others said. */
  site: string
  /** Tells the mesh that this node holds the whole blob. */
  answer: (blobId: BlobId) => void
  /** @default ANSWER_SPREAD_MS */
  spreadMs?: number
  /** @default Math.random */
  random?: () => number
}

interface Pending {
  /** When the latest want arrived: only answers after it reached that wanter. */
  heardAt: number
  /** The sites of the wanters waiting for an answer. */
  sites: Set<string>
  timer: NodeJS.Timeout
}

/**
 * Answers the mesh's wants for blobs this node holds whole. Every answer is gossiped to every node
 * (about 250 sends at 50 nodes), and every holder answered every wanter: in a slow 50-node catalog
 * round the blob topic carried over 100,000 gossip copies. Instead each holder waits a random moment
 * and stays quiet when enough others answered since the want arrived (the suppression of SRM and
 * mDNS); a wanter in this node's own site still hears of a copy in its site.
 */
export class WantAnswers {
  readonly #init: WantAnswersInit
  readonly #pending = new Map<BlobId, Pending>()

  constructor (init: WantAnswersInit) {
    this.#init = init
  }

  /** A peer in `site` wants a blob this node holds whole. */
  want (blobId: BlobId, site: string, now = Date.now()): void {
    const pending = this.#pending.get(blobId)
    if (pending != null) {
      pending.heardAt = now
      pending.sites.add(site)
      return
    }
    const wait = (this.#init.random ?? Math.random)() * (this.#init.spreadMs ?? ANSWER_SPREAD_MS)
    const timer = setTimeout(() => { this.#decide(blobId) }, wait)
    timer.unref()
    this.#pending.set(blobId, { heardAt: now, sites: new Set([site]), timer })
  }

  /** Drops the answers still waiting (the node stops). */
  stop (): void {
    for (const { timer } of this.#pending.values()) clearTimeout(timer)
    this.#pending.clear()
  }

  #decide (blobId: BlobId): void {
    const pending = this.#pending.get(blobId)
    if (pending == null) return
    this.#pending.delete(blobId)
    const answers = this.#init.holders.of(blobId).filter(h => h.complete && h.seenAt >= pending.heardAt)
    const siteAnswered = !pending.sites.has(this.#init.site) || answers.some(h => h.site === this.#init.site)
    if (answers.length < ANSWERS_PER_WANT || !siteAnswered) this.#init.answer(blobId)
  }
}
