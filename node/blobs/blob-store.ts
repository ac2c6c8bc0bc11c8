import { BlobEvents } from './events.ts'
import { BlobRecords, haveOf } from './records.ts'
import { ChunkCache } from './chunk-cache.ts'
import { BlobLayout } from './layout.ts'
import { KeyedLock } from './keyed-lock.ts'
import { BlobError, withIoErrors } from './errors.ts'
import { requireRecord } from './context.ts'
import { begin, finish, missingChunks, writeChunk } from './partial.ts'
import { importBytes, importFile } from './import.ts'
import { openRead, readChunk } from './read.ts'
import { reconcile, verifyBlob } from './repair.ts'
import { collectGarbage, removeBlob } from './gc.ts'
import { countHeld } from '../../protocol/have-map.ts'
import { parseBlobId } from '../../protocol/blob-id.ts'
import type { Readable } from 'node:stream'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { HaveMap } from '../../protocol/have-map.ts'
import type { NodeDatabase } from '../db/database.ts'
import type { BlobContext } from './context.ts'
import type { WriteChunkResult } from './partial.ts'
import type { GarbageOptions, GarbageResult } from './gc.ts'
import type { ImportOptions, ImportResult } from './import.ts'
import type { BlobRecord } from './records.ts'
import type { VerifyResult } from './repair.ts'

export interface BlobStoreInit {
  /** Epoch milliseconds, for when blobs were last needed. @default Date.now */
  now?: () => number
}

/** What the store holds of one blob. */
export interface BlobStatus {
  blobId: BlobId
  indexId: string
  size: number
  chunkSize: number
  chunkCount: number
  /** Chunks held and verified when stored. */
  held: number
  complete: boolean
  /** Epoch ms when the blob arrived or a live manifest last needed it. */
  lastNeeded: number
}

/**
 * The node's content-addressed blob store (DESIGN, "Blobs"): complete blobs and resumable partial
 * downloads under `<dataDir>/blobs/`, every chunk checked against its index before it is stored or
 * served, every blob checked whole before it is complete. Announces changes on `events`.
 */
export class BlobStore {
  readonly events: BlobEvents
  readonly #ctx: BlobContext

  private constructor (ctx: BlobContext) {
    this.#ctx = ctx
    this.events = ctx.events
  }

  /** Opens the store in a node's data folder, repairing what a crash left half-done. */
  static async open (db: NodeDatabase, dataDir: string, init: BlobStoreInit = {}): Promise<BlobStore> {
    const ctx: BlobContext = { records: new BlobRecords(db), chunks: new ChunkCache(), layout: new BlobLayout(dataDir), locks: new KeyedLock(), events: new BlobEvents(), now: init.now ?? Date.now }
    await withIoErrors('open the blob store', async () => {
      await ctx.layout.prepare()
      await reconcile(ctx)
    })
    return new BlobStore(ctx)
  }

  /** Imports a file, streaming it once; importing content already held changes nothing. */
  async importFile (path: string, options?: ImportOptions): Promise<ImportResult> {
    return await withIoErrors(`import ${path}`, async () => await importFile(this.#ctx, path, options))
  }

  /** Imports bytes held in memory. */
  async importBytes (bytes: Uint8Array, options?: ImportOptions): Promise<ImportResult> {
    return await withIoErrors('import bytes', async () => await importBytes(this.#ctx, bytes, options))
  }

  /** Starts or resumes fetching a blob; the index bytes must hash to `expectedIndexId`. */
  async begin (blobId: BlobId, indexBytes: Uint8Array, expectedIndexId: string): Promise<BlobStatus> {
    return await this.#run(blobId, 'begin fetching', async () => {
      await begin(this.#ctx, blobId, indexBytes, expectedIndexId)
      return await this.#status(blobId)
    })
  }

  /** The chunk numbers still to fetch. */
  async missingChunks (blobId: BlobId): Promise<number[]> {
    return await this.#run(blobId, 'list missing chunks of', async () => await missingChunks(this.#ctx, blobId))
  }

  /** One bit per chunk held, for advertising to peers (see protocol/have-map.ts). */
  async haveMap (blobId: BlobId): Promise<HaveMap> {
    return await this.#run(blobId, 'read the have-map of', async () => haveOf(await requireRecord(this.#ctx, blobId)))
  }

  /** Stores a chunk after checking it against the index (ERR_CHUNK_CORRUPT and nothing stored when it does not match). */
  async writeChunk (blobId: BlobId, n: number, bytes: Uint8Array): Promise<WriteChunkResult> {
    return await this.#run(blobId, 'write a chunk of', async () => await writeChunk(this.#ctx, blobId, n, bytes))
  }

  /** Checks a fully fetched blob whole and makes it complete (ERR_BLOB_CORRUPT, ERR_INDEX_MISMATCH, ERR_INCOMPLETE). */
  async finish (blobId: BlobId, options: { signal?: AbortSignal } = {}): Promise<BlobStatus> {
    return await this.#run(blobId, 'finish', async () => {
      await finish(this.#ctx, blobId, options.signal)
      return await this.#status(blobId)
    })
  }

  /** A held chunk for a peer, re-checked on the way out (ERR_NOT_HELD, ERR_CHUNK_CORRUPT). */
  async readChunk (blobId: BlobId, n: number, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return await this.#run(blobId, 'read a chunk of', async () => await readChunk(this.#ctx, blobId, n, options.signal))
  }

  /** The encoded chunk index of a known blob, for peers that have only its id. */
  async chunkIndex (blobId: BlobId): Promise<{ indexId: string, bytes: Uint8Array }> {
    return await this.#run(blobId, 'read the chunk index of', async () => {
      const { indexId } = await requireRecord(this.#ctx, blobId)
      // Stored in the same batch as the record; gone only if the blob was removed in between.
      const bytes = await this.#ctx.records.indexBytes(blobId, indexId)
      if (bytes === undefined) throw new BlobError('ERR_UNKNOWN_BLOB', `blob ${blobId} is not in the store`, { blobId })
      return { indexId, bytes }
    })
  }

  /** Re-reads a blob's held chunks; bad ones become missing again. */
  async verify (blobId: BlobId, options: { signal?: AbortSignal } = {}): Promise<VerifyResult> {
    return await this.#run(blobId, 'verify', async () => await verifyBlob(this.#ctx, blobId, options.signal))
  }

  /** Re-verifies every blob, one at a time; returns what each check found. */
  async verifyAll (options: { signal?: AbortSignal } = {}): Promise<VerifyResult[]> {
    const results: VerifyResult[] = []
    for (const { blobId } of await this.list()) {
      options.signal?.throwIfAborted()
      const found = await this.verify(blobId, options).catch((err: unknown) => {
        // Removed while the others were checked.
        if ((err as { code?: unknown }).code === 'ERR_UNKNOWN_BLOB') return undefined
        throw err
      })
      if (found !== undefined) results.push(found)
    }
    return results
  }

  /** True when the blob is complete here. */
  async has (blobId: BlobId): Promise<boolean> {
    return (await this.status(blobId))?.complete === true
  }

  /** What the store holds of a blob; undefined when it knows nothing of it. */
  async status (blobId: BlobId): Promise<BlobStatus | undefined> {
    return await this.#run(blobId, 'read the status of', async () => {
      const record = await this.#ctx.records.get(blobId)
      return record === undefined ? undefined : statusOf(blobId, record)
    })
  }

  /** Every blob the store knows, complete or partial. */
  async list (): Promise<BlobStatus[]> {
    return await withIoErrors('list blobs', async () => (await this.#ctx.records.all()).map(([blobId, record]) => statusOf(blobId, record)))
  }

  /** Removes a blob, complete or partial; false when the store did not know it. */
  async remove (blobId: BlobId): Promise<boolean> {
    return await this.#run(blobId, 'remove', async () => await removeBlob(this.#ctx, blobId))
  }

  /** A stream of a complete blob for installers; it fails with ERR_BLOB_CORRUPT rather than end on damaged bytes. */
  async openRead (blobId: BlobId, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    return await this.#run(blobId, 'read', async () => await openRead(this.#ctx, blobId, options.signal))
  }

  /** Keeps blobs in `live` (and any needed within the grace period), removes the rest. */
  async collectGarbage (live: Set<BlobId>, options?: GarbageOptions): Promise<GarbageResult> {
    return await withIoErrors('collect garbage', async () => await collectGarbage(this.#ctx, live, options))
  }

  /** Checks the id (it names files) and turns I/O failures into ERR_BLOB_IO. */
  async #run<T> (blobId: BlobId, what: string, task: () => Promise<T>): Promise<T> {
    parseBlobId(blobId)
    return await withIoErrors(`${what} blob ${blobId}`, task)
  }

  async #status (blobId: BlobId): Promise<BlobStatus> {
    return statusOf(blobId, await requireRecord(this.#ctx, blobId))
  }
}

function statusOf (blobId: BlobId, record: BlobRecord): BlobStatus {
  const { indexId, size, chunkSize, chunkCount, complete, lastNeeded } = record
  return { blobId, indexId, size, chunkSize, chunkCount, held: countHeld(haveOf(record)), complete, lastNeeded }
}
