import { lpStream } from '@libp2p/utils'
import { blobIdFromSha256 } from '../../protocol/blob-id.ts'
import { BLOB_REQUEST_BYTES, decodeBlobRequest, encodeBlobAnswer } from '../../protocol/blob-messages.ts'
import { TokenBucket } from './token-bucket.ts'
import type { BlobAnswer, BlobRequest } from '../../protocol/blob-messages.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { Logger } from '../log.ts'
import type { Connection, PeerId, Stream } from '@libp2p/interface'

export const BLOB_PROTOCOL = '/patchmesh/blob/1.0.0'
/** @default 16 peers served at once; more are told "busy" and try another holder. */
export const DEFAULT_UPLOAD_SLOTS = 16
/** @default 30 s without a request and a stream is closed, so an idle client does not hold a slot. */
export const DEFAULT_BLOB_IDLE_TIMEOUT_MS = 30_000
/** @default 30 s to hand one answer to a client that does not read. */
export const DEFAULT_BLOB_SEND_TIMEOUT_MS = 30_000
/** Streams per connection: a client uses one, a second during failover. */
const MAX_STREAMS_PER_CONNECTION = 4

/** What the server reads from: the blob store, seen through what it serves. */
export interface ChunkSource {
  encodedIndex: (blobId: BlobId) => Promise<Uint8Array | undefined>
  /** A held chunk, verified as it is read; undefined when not held or when it failed verification. */
  readChunk: (blobId: BlobId, n: number) => Promise<Uint8Array | undefined>
  haveMap: (blobId: BlobId) => Promise<Uint8Array | undefined>
}

export interface BlobServerInit {
  /** @default DEFAULT_UPLOAD_SLOTS */
  uploadSlots?: number
  /** Upload limit for this node, bytes a second. @default Infinity */
  uploadBytesPerSecond?: number
  /** Limit on bytes served to peers of other sites, bytes a second. @default Infinity */
  siteExitBytesPerSecond?: number
  /** @default DEFAULT_BLOB_IDLE_TIMEOUT_MS */
  idleTimeoutMs?: number
}

export interface BlobServerComponents {
  handle: (protocol: string, handler: (stream: Stream, connection: Connection) => void, options: { maxInboundStreams: number, maxOutboundStreams: number }) => Promise<void>
  unhandle: (protocol: string) => Promise<void>
  source: ChunkSource
  /** True when the peer is in this node's site (bytes to it stay on the LAN). */
  sameSite: (peer: PeerId) => boolean
  logger: Logger
}

/** Counters of what this node served, for /api/v1/blobs and the benchmarks. */
export interface UploadCounters {
  chunks: number
  bytesSameSite: number
  bytesOtherSites: number
  busyAnswers: number
}

/** Serves chunk indexes, chunks and have-maps to peers, within upload slots and bandwidth limits. */
export class BlobServer {
  readonly #components: BlobServerComponents
  readonly #log: Logger
  readonly #slots: number
  readonly #idleTimeoutMs: number
  readonly #upload: TokenBucket
  readonly #siteExit: TokenBucket
  /** Streams being served per peer. */
  readonly #serving = new Map<string, number>()
  readonly #stopped = new AbortController()
  readonly counters: UploadCounters = { chunks: 0, bytesSameSite: 0, bytesOtherSites: 0, busyAnswers: 0 }
  #started = false

  constructor (components: BlobServerComponents, init: BlobServerInit = {}) {
    this.#components = components
    this.#log = components.logger.child({ module: 'blob-server' })
    this.#slots = init.uploadSlots ?? DEFAULT_UPLOAD_SLOTS
    this.#idleTimeoutMs = init.idleTimeoutMs ?? DEFAULT_BLOB_IDLE_TIMEOUT_MS
    this.#upload = new TokenBucket(init.uploadBytesPerSecond ?? Infinity)
    this.#siteExit = new TokenBucket(init.siteExitBytesPerSecond ?? Infinity)
  }

  async start (): Promise<void> {
    if (this.#started) return
    this.#started = true
    await this.#components.handle(BLOB_PROTOCOL, (stream, connection) => { void this.#serve(stream, connection.remotePeer) }, {
      maxInboundStreams: MAX_STREAMS_PER_CONNECTION,
      maxOutboundStreams: MAX_STREAMS_PER_CONNECTION
    })
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    this.#stopped.abort()
    await this.#components.unhandle(BLOB_PROTOCOL)
  }

  async #serve (stream: Stream, peer: PeerId): Promise<void> {
    const key = peer.toString()
    const busy = !this.#serving.has(key) && this.#serving.size >= this.#slots
    if (!busy) this.#serving.set(key, (this.#serving.get(key) ?? 0) + 1)
    const lp = lpStream(stream, { maxDataLength: BLOB_REQUEST_BYTES })
    try {
      while (true) {
        const idle = AbortSignal.any([AbortSignal.timeout(this.#idleTimeoutMs), this.#stopped.signal])
        let frame
        try {
          frame = await lp.read({ signal: idle })
        } catch {
          break // the client closed its side, went idle, or we are stopping
        }
        const answer = busy ? this.#busy() : await this.#answer(frame.subarray(), peer)
        const signal = AbortSignal.any([AbortSignal.timeout(DEFAULT_BLOB_SEND_TIMEOUT_MS), this.#stopped.signal])
        await lp.write(encodeBlobAnswer(answer), { signal })
        if (busy) break
      }
      await stream.close().catch(() => {})
    } catch (err) {
      this.#log.debug({ err, peer: key }, 'serving blob stream failed')
      stream.abort(err as Error)
    } finally {
      if (!busy) {
        const left = (this.#serving.get(key) ?? 1) - 1
        if (left > 0) this.#serving.set(key, left)
        else this.#serving.delete(key)
      }
    }
  }

  #busy (): BlobAnswer {
    this.counters.busyAnswers++
    return { status: 'busy', payload: new Uint8Array(0) }
  }

  async #answer (frame: Uint8Array, peer: PeerId): Promise<BlobAnswer> {
    let request: BlobRequest
    try {
      request = decodeBlobRequest(frame)
    } catch (err) {
      this.#log.debug({ err, peer: peer.toString() }, 'bad blob request')
      return { status: 'bad-request', payload: new Uint8Array(0) }
    }
    const blobId = blobIdFromSha256(request.digest)
    const { source } = this.#components
    const payload = request.kind === 'index'
      ? await source.encodedIndex(blobId)
      : request.kind === 'have' ? await source.haveMap(blobId) : await source.readChunk(blobId, request.chunk)
    if (payload == null) return { status: 'not-held', payload: new Uint8Array(0) }
    if (request.kind === 'chunk') await this.#pace(payload.byteLength, peer)
    return { status: 'ok', payload }
  }

  async #pace (bytes: number, peer: PeerId): Promise<void> {
    const local = this.#components.sameSite(peer)
    await this.#upload.take(bytes, this.#stopped.signal)
    if (!local) await this.#siteExit.take(bytes, this.#stopped.signal)
    this.counters.chunks++
    if (local) this.counters.bytesSameSite += bytes
    else this.counters.bytesOtherSites += bytes
  }
}
