import { decodeStatusRecord } from '../../protocol/status-record.ts'
import { sublevel } from '../db/database.ts'
import type { StatusRecord } from '../../protocol/status-record.ts'
import type { NodeDatabase, Sublevel } from '../db/database.ts'

/** @default 3 days: a node silent for longer than its daily scan plus slack is shown as stale. */
export const DEFAULT_STALE_AFTER_MS = 3 * 24 * 60 * 60 * 1000

/** A record with the exact bytes it was decoded from (as decodeStatusRecord checked them). */
export interface VerifiedStatusRecord {
  bytes: Uint8Array
  record: StatusRecord
}

/** What the fleet view holds for one node. */
export interface FleetRecord {
  record: StatusRecord
  /** ISO timestamp of when this node stored the record. */
  receivedAt: string
}

/** A fleet-view line: the record, and whether its publisher has gone quiet. */
export interface FleetEntry extends FleetRecord {
  stale: boolean
}

export type OfferResult = 'stored' | 'stale-seq'

/** Told of every record the fleet view stores, after it is stored; must not throw (a throw is swallowed). */
export type StoredListener = (record: StatusRecord) => void

export interface FleetListOptions {
  /** Epoch milliseconds to judge staleness against. */
  now: number
  /** @default DEFAULT_STALE_AFTER_MS */
  staleAfterMs?: number
}

interface StoredEntry {
  /** base64 of the signed bytes, handed on unchanged to peers. */
  bytes: string
  record: StatusRecord
  receivedAt: string
}

/**
 * The fleet view: the newest signed status record of every node, keyed by node id in the 'fleet'
 * sublevel. Only verified records get in, and a node's record is only ever replaced by a higher seq.
 * Keeps a seq index in memory, so there is one FleetStore per database.
 */
export class FleetStore {
  readonly #entries: Sublevel<StoredEntry>
  /** node → seq held, loaded once: digest() runs every sync round and must not read every record. */
  #seqs?: Promise<Map<string, number>>
  /** Offers run one at a time, so two records of one node cannot both pass the seq check. */
  #queue: Promise<unknown> = Promise.resolve()
  readonly #listeners = new Set<StoredListener>()

  constructor (db: NodeDatabase) {
    this.#entries = sublevel(db, 'fleet')
  }

  /**
   * Stores a record if its seq is higher than the one held for its node. Raw bytes are decoded and
   * verified here (throwing FormatError); a VerifiedStatusRecord is trusted to come from decodeStatusRecord.
   */
  async offer (input: Uint8Array | VerifiedStatusRecord, now: number): Promise<OfferResult> {
    const { bytes, record } = input instanceof Uint8Array ? { bytes: input, record: decodeStatusRecord(input) } : input
    const run = this.#queue.then(async () => await this.#store(bytes, record, now))
    this.#queue = run.catch(() => {})
    return await run
  }

  /** Calls `listener` with every record stored from now on (peer introductions, for one); returns the unsubscribe. */
  onStored (listener: StoredListener): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** The record held for a node, if any. */
  async get (node: string): Promise<FleetRecord | undefined> {
    const entry = await this.#entries.get(node)
    return entry === undefined ? undefined : { record: entry.record, receivedAt: entry.receivedAt }
  }

  /** The seq held for a node, if any (no database read). */
  async seq (node: string): Promise<number | undefined> {
    return (await this.#loadSeqs()).get(node)
  }

  /** Every node's record in node-id order, marked stale when published longer than staleAfterMs before now. */
  async list (options: FleetListOptions): Promise<FleetEntry[]> {
    const cutoff = options.now - (options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS)
    const entries = await this.#entries.values().all()
    return entries.map(({ record, receivedAt }) => ({ record, receivedAt, stale: Date.parse(record.publishedAt) < cutoff }))
  }

  /** [node, seq] for every node held: what anti-entropy compares with a peer. */
  async digest (): Promise<Array<[node: string, seq: number]>> {
    return [...(await this.#loadSeqs())]
  }

  /** The record's signed bytes exactly as received, to hand on unchanged. */
  async encoded (node: string): Promise<Uint8Array | undefined> {
    const entry = await this.#entries.get(node)
    return entry === undefined ? undefined : new Uint8Array(Buffer.from(entry.bytes, 'base64'))
  }

  async #store (bytes: Uint8Array, record: StatusRecord, now: number): Promise<OfferResult> {
    const seqs = await this.#loadSeqs()
    const held = seqs.get(record.node)
    if (held !== undefined && held >= record.seq) return 'stale-seq'
    const entry: StoredEntry = { bytes: Buffer.from(bytes).toString('base64'), record, receivedAt: new Date(now).toISOString() }
    await this.#entries.put(record.node, entry)
    seqs.set(record.node, record.seq)
    for (const listener of this.#listeners) {
      try {
        listener(record)
      } catch {
        // A listener's failure is its own; the record is stored either way.
      }
    }
    return 'stored'
  }

  async #loadSeqs (): Promise<Map<string, number>> {
    this.#seqs ??= (async () => {
      const seqs = new Map<string, number>()
      for await (const [node, entry] of this.#entries.iterator()) seqs.set(node, entry.record.seq)
      return seqs
    })()
    // A failed load (database closed) is retried next time rather than cached.
    return await this.#seqs.catch((err: unknown) => { this.#seqs = undefined; throw err })
  }
}
