import type { HolderSessions } from './holder-sessions.ts'

/** @default 3 s: a download that hears nothing says again that it wants the blob (its first word may have gone out before gossip reached anyone). */
export const DEFAULT_READVERTISE_IDLE_MS = 3_000

export interface DownloadWordInit {
  /** Tells the mesh what the download now holds; `urgent` when it heard nothing for a while. */
  advertise: (urgent: boolean) => void
  /** The peer said to hold the whole blob (DownloadOptions.hint): while it serves, the download keeps quiet. */
  hint?: string
  sessions: Pick<HolderSessions, 'recentlyBusy'>
  /** @default DEFAULT_READVERTISE_IDLE_MS */
  readvertiseIdleMs?: number
}

/**
 * What one download says to the mesh, and when: that it wants the blob and, chunk by chunk, what it
 * holds. A hinted download says nothing while its hint serves; holders answer whoever asks later.
 */
export class DownloadWord {
  readonly #init: DownloadWordInit
  #quiet: boolean
  /** From the download's start: a hinted download that has said nothing yet is not idle at its first look. */
  #saidAt = Date.now()

  constructor (init: DownloadWordInit) {
    this.#init = init
    this.#quiet = init.hint != null
  }

  /** Says what the download holds now, unless a hint serves it. */
  say (urgent = false): void {
    if (this.#quiet) return
    this.#saidAt = Date.now()
    this.#init.advertise(urgent)
  }

  /** Nothing said to the mesh for a while: time to say again that we want the blob. */
  idle (): boolean {
    return Date.now() - this.#saidAt > (this.#init.readvertiseIdleMs ?? DEFAULT_READVERTISE_IDLE_MS)
  }

  /** Idle with nothing in flight: the hint, if any, stalled; the mesh hears the download wants the blob. */
  speakUp (urgent: boolean): void {
    this.#quiet = false
    this.say(urgent)
  }

  /**
   * A peer did not serve. When it is the hint, the word goes out now, not after the idle wait: the
   * hint came with the news, often from a peer that was still fetching the blob itself (anti-entropy
   * hands the news over at once, and such a peer serves the chunk index before it holds every chunk).
   * A hint that was only busy holds the blob and is asked again when its short cool-down ends: a
   * catalog's publisher is the hint of every peer it told, and when each one it turned away asked the
   * whole mesh instead, 50 nodes spent most of a minute on the wants and their answers.
   */
  failed (peer: string): void {
    if (!this.#quiet || peer !== this.#init.hint || this.#init.sessions.recentlyBusy(peer)) return
    this.speakUp(true)
  }
}
