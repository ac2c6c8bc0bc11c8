import { decodeChunkIndex } from '../../protocol/chunk-index.ts'
import { emptyHaveMap, fullHaveMap } from '../../protocol/have-map.ts'
import { sublevel } from '../db/database.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { ChunkIndex } from '../../protocol/chunk-index.ts'
import type { HaveMap } from '../../protocol/have-map.ts'
import type { NodeDatabase, Sublevel } from '../db/database.ts'

/** What the store knows of one blob (sublevel 'blobs', keyed by blob id, JSON). */
export interface BlobRecord {
  indexId: string
  size: number
  chunkSize: number
  chunkCount: number
  complete: boolean
  /** base64 have-map of the chunks held, while partial; absent once complete. */
  have?: string
  /** Epoch ms when the blob arrived or a live manifest last needed it; garbage collection counts from here. */
  lastNeeded: number
}

/** A blob's chunk index with the id it was verified against. */
export interface LoadedIndex {
  id: string
  index: ChunkIndex
  /** The index as stored and served, kept while it is small (see CACHED_ENCODED_INDEX_BYTES). */
  encoded?: Uint8Array
}

/** Decoded indexes kept in memory: serving a chunk must not decode half a megabyte each time. */
const INDEX_CACHE_ENTRIES = 32
/**
 * Encoded indexes up to this size (blobs up to 512 MiB at the usual chunk size) stay in memory
 * beside their decoded form: every peer that fetches a blob from this node asks for its index first.
 */
const CACHED_ENCODED_INDEX_BYTES = 64 * 1024
/** Blob ids remembered as unknown at most: advertisements name blobs this node never holds, over and over. */
const UNKNOWN_CACHE_ENTRIES = 1024

/**
 * The store's database side: blob records in sublevel 'blobs' (JSON) and each blob's encoded chunk
 * index, exactly as verified against its id, in sublevel 'blob-indexes' (binary). Written together
 * in one batch, so a record never names an index that is not stored.
 */
export class BlobRecords {
  readonly #db: NodeDatabase
  readonly #records: Sublevel<BlobRecord>
  readonly #indexes: Sublevel<Uint8Array>
  readonly #cache = new Map<BlobId, LoadedIndex>()
  /**
   * Every record read or written so far, and ids known to have none: all writes pass through here
   * (one process holds the database), so memory stays exact, and serving, downloading and answering
   * advertisements — several reads per chunk — never wait on the database.
   */
  readonly #known = new Map<BlobId, BlobRecord>()
  readonly #unknown = new Set<BlobId>()

  constructor (db: NodeDatabase) {
    this.#db = db
    this.#records = sublevel(db, 'blobs')
    this.#indexes = db.sublevel<string, Uint8Array>('blob-indexes', { valueEncoding: 'view' })
  }

  /** The record of a blob, if the store knows it. */
  async get (blobId: BlobId): Promise<BlobRecord | undefined> {
    const known = this.#known.get(blobId)
    // A copy: callers build new records from it, and must not change the one kept here.
    if (known !== undefined) return { ...known }
    if (this.#unknown.has(blobId)) return undefined
    const record = await this.#records.get(blobId)
    if (record === undefined) this.#rememberUnknown(blobId)
    else this.#known.set(blobId, record)
    return record === undefined ? undefined : { ...record }
  }

  #rememberUnknown (blobId: BlobId): void {
    if (this.#unknown.size >= UNKNOWN_CACHE_ENTRIES) this.#unknown.clear()
    this.#unknown.add(blobId)
  }

  #remember (blobId: BlobId, record: BlobRecord | undefined): void {
    this.#unknown.delete(blobId)
    if (record === undefined) {
      this.#known.delete(blobId)
      this.#rememberUnknown(blobId)
    } else {
      this.#known.set(blobId, { ...record })
    }
  }

  /** Every record, in blob id order. */
  async all (): Promise<Array<[BlobId, BlobRecord]>> {
    return await this.#records.iterator().all()
  }

  /** Replaces a known blob's record (its index stays). */
  async set (blobId: BlobId, record: BlobRecord): Promise<void> {
    await this.#records.put(blobId, record)
    this.#remember(blobId, record)
  }

  /** Stores a new blob's record and its verified index bytes together. */
  async add (blobId: BlobId, record: BlobRecord, indexBytes: Uint8Array): Promise<void> {
    this.#cache.delete(blobId)
    await this.#db.batch([
      { type: 'put', sublevel: this.#records, key: blobId, value: record },
      { type: 'put', sublevel: this.#indexes, key: blobId, value: indexBytes }
    ])
    this.#remember(blobId, record)
    // The chunks that follow, and the peers this node then serves, need it at once.
    this.#load(blobId, record.indexId, indexBytes)
  }

  /** Forgets a blob: record and index. */
  async delete (blobId: BlobId): Promise<void> {
    this.#cache.delete(blobId)
    await this.#db.batch([
      { type: 'del', sublevel: this.#records, key: blobId },
      { type: 'del', sublevel: this.#indexes, key: blobId }
    ])
    this.#remember(blobId, undefined)
  }

  /** The encoded index of a blob, as peers fetch it: from memory when small and recently used. */
  async indexBytes (blobId: BlobId, indexId: string): Promise<Uint8Array | undefined> {
    const cached = this.#recent(blobId, indexId)
    if (cached?.encoded !== undefined) return cached.encoded
    // One database read, whether the index is not in memory or too large to keep encoded there.
    const bytes = await this.#indexes.get(blobId)
    if (bytes !== undefined && cached === undefined) this.#load(blobId, indexId, bytes)
    return bytes
  }

  /** The decoded index of a blob, from memory when recently used. */
  async index (blobId: BlobId, indexId: string): Promise<LoadedIndex | undefined> {
    const cached = this.#recent(blobId, indexId)
    if (cached !== undefined) return cached
    const bytes = await this.#indexes.get(blobId)
    if (bytes === undefined) return undefined
    return this.#load(blobId, indexId, bytes)
  }

  /** The index in memory, if kept under this id. */
  #recent (blobId: BlobId, indexId: string): LoadedIndex | undefined {
    const cached = this.#cache.get(blobId)
    if (cached?.id !== indexId) return undefined
    // Re-insert, so the map's order is least recently used first.
    this.#cache.delete(blobId)
    this.#cache.set(blobId, cached)
    return cached
  }

  #load (blobId: BlobId, indexId: string, bytes: Uint8Array): LoadedIndex {
    // Checked against its id when it arrived; decoding again still refuses bytes damaged on disk.
    const loaded: LoadedIndex = { id: indexId, index: decodeChunkIndex(bytes, indexId, `stored chunk index of ${blobId}`) }
    if (bytes.byteLength <= CACHED_ENCODED_INDEX_BYTES) loaded.encoded = Uint8Array.prototype.slice.call(bytes)
    this.#cache.set(blobId, loaded)
    const oldest = this.#cache.keys().next()
    if (this.#cache.size > INDEX_CACHE_ENTRIES && oldest.done !== true) this.#cache.delete(oldest.value)
    return loaded
  }
}

/** The chunks a record says are held. */
export function haveOf (record: BlobRecord): HaveMap {
  if (record.complete) return fullHaveMap(record.chunkCount)
  return record.have === undefined ? emptyHaveMap(record.chunkCount) : new Uint8Array(Buffer.from(record.have, 'base64'))
}

/** The record with a new have-map; a partial record always carries one. */
export function withHave (record: BlobRecord, have: HaveMap): BlobRecord {
  return { ...record, complete: false, have: Buffer.from(have).toString('base64') }
}

/** The record of a complete blob. */
export function asComplete (record: BlobRecord): BlobRecord {
  const { have: _dropped, ...rest } = record
  return { ...rest, complete: true }
}
