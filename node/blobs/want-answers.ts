import { rendezvousRanking } from './rendezvous.ts'
import type { BlobHolders } from './blob-holders.ts'
import type { BlobId } from '../../protocol/blob-id.ts'

/** @default 3 whole copies named in answer to one want: a wanter needs a few holders, not every one. */
export const ANSWERS_PER_WANT = 3
/**
 * @default 250 ms between one rank of answerers and the next. A holder's rank for a want is the same
 * on every node; a random wait of up to 500 ms, the same for all, silenced nobody on a busy machine,
 * where answers took longer than that to cross the mesh, and 50 holders answered 20 wants over 150
 * times in one catalog round.
 */
export const ANSWER_STEP_MS = 250

/** A computer of the fleet, as the fleet view names it. */
export interface FleetMember {
  id: string
  site: string
}

export interface WantAnswersInit {
  holders: Pick<BlobHolders, 'of'>
  self: FleetMember
  /** The fleet's computers: every holder ranks itself among them, in the same order on every node. */
  members: () => Promise<FleetMember[]>
  /** Tells the mesh that this node holds the whole blob. */
  answer: (blobId: BlobId) => void
  /** @default ANSWER_STEP_MS */
  stepMs?: number
  /** @default Math.random */
  random?: () => number
}

interface Pending {
  /** When the latest want arrived: only answers after it reached that wanter. */
  heardAt: number
  /** The sites of the wanters waiting for an answer. */
  sites: Set<string>
  timer?: NodeJS.Timeout
}

/**
 * Answers the mesh's wants for blobs this node holds whole. Every answer is gossiped to every node
 * (about 300 sends at 50 nodes), so not every holder answers: the fleet's computers are ranked per
 * want — the wanter's site-mates first, each group by rendezvous hash of blob and wanter — and a
 * holder waits its rank's share of time, staying quiet once enough others answered since the want
 * arrived (the suppression of SRM and mDNS, made deterministic). The first few holders answer at
 * once, the rest only when those were not heard; a wanter in this node's own site still hears of a
 * copy in its site.
 */
export class WantAnswers {
  readonly #init: WantAnswersInit
  readonly #pending = new Map<BlobId, Pending>()

  constructor (init: WantAnswersInit) {
    this.#init = init
  }

  /** `wanter` wants a blob this node holds whole. */
  want (blobId: BlobId, wanter: FleetMember, now = Date.now()): void {
    const pending = this.#pending.get(blobId)
    if (pending != null) {
      pending.heardAt = now
      pending.sites.add(wanter.site)
      return
    }
    const entry: Pending = { heardAt: now, sites: new Set([wanter.site]) }
    this.#pending.set(blobId, entry)
    void this.#rank(blobId, wanter).then(rank => {
      if (this.#pending.get(blobId) !== entry) return // stopped meanwhile
      const wait = (rank + (this.#init.random ?? Math.random)()) * (this.#init.stepMs ?? ANSWER_STEP_MS)
      entry.timer = setTimeout(() => { this.#decide(blobId) }, wait)
      entry.timer.unref()
    })
  }

  /** Drops the answers still waiting (the node stops). */
  stop (): void {
    for (const { timer } of this.#pending.values()) clearTimeout(timer)
    this.#pending.clear()
  }

  /** This node's place among the fleet for one want: 0 answers first. */
  async #rank (blobId: BlobId, wanter: FleetMember): Promise<number> {
    const { self } = this.#init
    const members = new Map((await this.#init.members().catch(() => [])).map(member => [member.id, member.site]))
    members.set(self.id, self.site)
    members.delete(wanter.id)
    const key = `${blobId}\0${wanter.id}`
    const group = (sameSite: boolean): string[] => rendezvousRanking(key, [...members].filter(([, site]) => (site === wanter.site) === sameSite).map(([id]) => id))
    return [...group(true), ...group(false)].indexOf(self.id)
  }

  #decide (blobId: BlobId): void {
    const pending = this.#pending.get(blobId)
    if (pending == null) return
    this.#pending.delete(blobId)
    const answers = this.#init.holders.of(blobId).filter(h => h.complete && h.seenAt >= pending.heardAt)
    const siteAnswered = !pending.sites.has(this.#init.self.site) || answers.some(h => h.site === this.#init.self.site)
    if (answers.length < ANSWERS_PER_WANT || !siteAnswered) this.#init.answer(blobId)
  }
}
