import { lpStream } from '@libp2p/utils'
import { MAX_BLOB_ANSWER_BYTES, decodeBlobAnswer, encodeBlobRequest } from '../../protocol/blob-messages.ts'
import { BlobError } from './errors.ts'
import type { BlobAnswer, BlobRequest } from '../../protocol/blob-messages.ts'
import type { PeerId, Stream } from '@libp2p/interface'

/** @default 10 s for one answer; a peer slower than that is treated as stalled and its work goes elsewhere. */
export const DEFAULT_BLOB_REQUEST_TIMEOUT_MS = 10_000

type LpStream = ReturnType<typeof lpStream>

interface Pending {
  resolve: (answer: BlobAnswer) => void
  reject: (err: Error) => void
}

/** Opens a blob stream to a peer (libp2p's dialProtocol, or a test double). */
export type OpenBlobStream = (peer: PeerId, signal: AbortSignal) => Promise<Stream>

/**
 * One stream to one peer with requests pipelined on it: answers come back in request order, so
 * several chunks are in flight without waiting a round trip for each. A stalled answer fails every
 * request on the stream (their order is lost with it) and the stream is dropped.
 */
export class BlobPeer {
  readonly peer: PeerId
  readonly #open: OpenBlobStream
  readonly #timeoutMs: number
  readonly #pending: Pending[] = []
  #lp?: Promise<{ stream: Stream, lp: LpStream }>
  #writes: Promise<void> = Promise.resolve()
  #failed?: Error

  constructor (peer: PeerId, open: OpenBlobStream, timeoutMs = DEFAULT_BLOB_REQUEST_TIMEOUT_MS) {
    this.peer = peer
    this.#open = open
    this.#timeoutMs = timeoutMs
  }

  /** Requests in flight on this peer's stream. */
  get inFlight (): number {
    return this.#pending.length
  }

  /** True once the stream failed; make a new BlobPeer to try the peer again. */
  get failed (): boolean {
    return this.#failed != null
  }

  /** Sends a request and resolves with its answer; rejects with ERR_PEER_STALLED / ERR_PEER_GONE when the peer fails. */
  async request (request: BlobRequest, signal?: AbortSignal): Promise<BlobAnswer> {
    if (this.#failed != null) throw this.#failed
    const answer = new Promise<BlobAnswer>((resolve, reject) => { this.#pending.push({ resolve, reject }) })
    const deadline = AbortSignal.timeout(this.#timeoutMs)
    const abort = signal == null ? deadline : AbortSignal.any([signal, deadline])
    const onAbort = (): void => { this.#fail(new BlobError(signal?.aborted === true ? 'ERR_ABORTED' : 'ERR_PEER_STALLED', `peer ${this.peer.toString()} did not answer within ${this.#timeoutMs} ms`)) }
    abort.addEventListener('abort', onAbort, { once: true })
    this.#writes = this.#writes.then(async () => {
      const { lp } = await this.#connection(abort)
      await lp.write(encodeBlobRequest(request), { signal: abort })
    }).catch(err => { this.#fail(gone(this.peer, err)) })
    try {
      return await answer
    } finally {
      abort.removeEventListener('abort', onAbort)
    }
  }

  /** Closes the stream; requests still in flight fail. */
  close (): void {
    this.#fail(new BlobError('ERR_ABORTED', 'blob stream closed'))
  }

  async #connection (signal: AbortSignal): Promise<{ stream: Stream, lp: LpStream }> {
    this.#lp ??= this.#open(this.peer, signal).then(stream => {
      const lp = lpStream(stream, { maxDataLength: MAX_BLOB_ANSWER_BYTES })
      void this.#readAnswers(lp)
      return { stream, lp }
    })
    return await this.#lp
  }

  async #readAnswers (lp: LpStream): Promise<void> {
    try {
      while (this.#failed == null) {
        const frame = await lp.read()
        const pending = this.#pending.shift()
        if (pending == null) throw new BlobError('ERR_PEER_PROTOCOL', 'answer without a request')
        pending.resolve(decodeBlobAnswer(frame.subarray()))
      }
    } catch (err) {
      this.#fail(gone(this.peer, err))
    }
  }

  #fail (err: Error): void {
    if (this.#failed != null) return
    this.#failed = err
    for (const pending of this.#pending.splice(0)) pending.reject(err)
    void this.#lp?.then(({ stream }) => { stream.abort(err) }, () => {})
  }
}

function gone (peer: PeerId, err: unknown): Error {
  if (err instanceof BlobError) return err
  return new BlobError('ERR_PEER_GONE', `blob stream to ${peer.toString()} failed: ${(err as Error).message}`, { cause: err })
}
