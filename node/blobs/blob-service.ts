import { TopicValidatorResult } from '@libp2p/gossipsub'
import { blobIdFromSha256, parseBlobId } from '../../protocol/blob-id.ts'
import { decodeBlobHave, encodeBlobHave } from '../../protocol/blob-have.ts'
import { BlobDownload, DEFAULT_LAN_WAIT_MS } from './blob-download.ts'
import { BlobHolders } from './blob-holders.ts'
import { BLOB_PROTOCOL, BlobServer } from './blob-server.ts'
import { TokenBucket } from './token-bucket.ts'
import { WantAnswers } from './want-answers.ts'
import { abortable } from '../abortable.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { Logger } from '../log.ts'
import type { Mesh } from '../mesh/mesh.ts'
import type { DownloadProgress, DownloadStore } from './blob-download.ts'
import type { FleetMember } from './want-answers.ts'
import type { BlobServerInit, ChunkSource, UploadCounters } from './blob-server.ts'
import type { PeerId } from '@libp2p/interface'

/** @default 1 s between advertisements of one blob to the site while it downloads: site-mates stay current. */
export const DEFAULT_ADVERTISE_INTERVAL_MS = 1_000
/**
 * @default 8 advertisements a second of one blob in a site, all its downloading nodes together: in a
 * large site each node advertises less often (one every n/8 s), so the gossip a node relays stays
 * the same whatever the site's size. Never less often than a third of the LAN wait, or busy
 * site-mates would look stalled and their WAN share would be fetched twice.
 */
export const SITE_ADVERTISEMENTS_PER_SECOND = 8
/** @default 10 s: a holder answers a new wanter soon (WantAnswers decides whether it must), and repeats itself at most this often. */
export const DEFAULT_READVERTISE_INTERVAL_MS = 10_000
/**
 * @default 20 s between a downloading node's mesh-wide word that it wants a blob (a third of the
 * holders' TTL, so holders in other sites keep answering and stay known). Its have-map goes to its
 * own site only: the whole mesh hears one short message per download every 20 s, not one a second.
 */
export const DEFAULT_WANT_INTERVAL_MS = 20_000
/** @default 10 min that a peer which served corrupt chunks is left out of every download. */
export const DEFAULT_PENALTY_MS = 10 * 60_000

/** The store as the service uses it: serving, downloading, and describing what it holds. */
export interface ServiceStore extends ChunkSource, DownloadStore {
  /** Progress of a blob the store knows: chunks held of all, complete or not. */
  progress: (blobId: BlobId) => Promise<{ chunkCount: number, held: number, complete: boolean, size: number } | undefined>
}

export interface BlobServiceInit extends BlobServerInit {
  /** Download limit for this node, bytes a second. @default Infinity */
  downloadBytesPerSecond?: number
  /** @default DEFAULT_LAN_WAIT_MS (blob-download.ts) */
  lanWaitMs?: number
  /** How long a download that heard nothing waits before it says again that it wants the blob. @default DEFAULT_READVERTISE_IDLE_MS (download-word.ts) */
  readvertiseIdleMs?: number
}

export interface BlobServiceComponents {
  store: ServiceStore
  mesh: Mesh
  self: { id: string, site: string }
  logger: Logger
  /** A peer's site from the fleet view, for a holder known before it advertised (a hinted one). */
  siteOf?: (peer: string) => Promise<string | undefined>
  /** The fleet's computers with their sites, among which a holder ranks itself to answer a want (WantAnswers); none: it answers first. */
  members?: () => Promise<FleetMember[]>
}

export interface FetchOptions {
  signal?: AbortSignal
  onProgress?: (p: DownloadProgress) => void
  /** A peer said to hold the whole blob (it relayed the blob's announcement): asked first, before the mesh hears this node wants it. */
  holder?: string
  /** The blob's size as the signed announcement or manifest names it (see DownloadOptions.size). */
  size?: number
}

/** What /api/v1/blobs shows of one blob. */
export interface BlobReport {
  blobId: BlobId
  size: number
  chunkCount: number
  chunksHeld: number
  complete: boolean
  /** Holders that advertised it, by site ('' for peers without a site). */
  holdersBySite: Record<string, { complete: number, partial: number }>
  /** Bytes this node received for it from its own site and from other sites. */
  received?: { sameSite: number, otherSites: number, corruptChunks: number }
}

/** When this node last advertised a blob, to its site and to the mesh. */
interface Advertised {
  at: number
  timer?: NodeJS.Timeout
  /** When the mesh last heard that this node wants the blob. */
  wantAt: number
  /** The next advertisement also tells the mesh (the download heard nothing for a while). */
  urgent: boolean
}

/** The node's blob exchange: serves what it holds, advertises it, and fetches blobs from peers. */
export class BlobService {
  readonly #c: BlobServiceComponents
  readonly #init: BlobServiceInit
  readonly #log: Logger
  readonly #holders = new BlobHolders()
  readonly #answers: WantAnswers
  readonly #server: BlobServer
  readonly #download: TokenBucket
  readonly #wan: TokenBucket
  readonly #downloads = new Map<BlobId, { promise: Promise<DownloadProgress>, download: BlobDownload }>()
  readonly #received = new Map<BlobId, DownloadProgress>()
  readonly #advertised = new Map<BlobId, Advertised>()
  readonly #penalised = new Map<string, number>()
  /** Each peer's site, as its advertisements say: bytes served to it count as LAN or WAN traffic. */
  readonly #sites = new Map<string, string>()
  readonly #stopped = new AbortController()
  /** Peers with an open connection, kept from libp2p's events: the scheduler asks many times a second. */
  readonly #connected = new Set<string>()

  constructor (components: BlobServiceComponents, init: BlobServiceInit = {}) {
    this.#c = components
    this.#init = init
    this.#log = components.logger.child({ module: 'blobs' })
    this.#download = new TokenBucket(init.downloadBytesPerSecond ?? Infinity)
    this.#wan = new TokenBucket(init.siteExitBytesPerSecond ?? Infinity)
    this.#answers = new WantAnswers({ holders: this.#holders, self: components.self, members: components.members ?? (async () => []), answer: blobId => { this.#advertise(blobId) } })
    const libp2p = components.mesh.libp2p
    if (libp2p == null) throw new Error('BlobService needs a started mesh')
    this.#server = new BlobServer({
      handle: async (protocol, handler, options) => { await libp2p.handle(protocol, handler, options) },
      unhandle: async protocol => { await libp2p.unhandle(protocol) },
      source: components.store,
      sameSite: peer => this.#sites.get(peer.toString()) === components.self.site,
      logger: components.logger
    }, init)
  }

  /** What this node served, by destination. */
  get uploads (): UploadCounters {
    return this.#server.counters
  }

  async start (): Promise<void> {
    await this.#server.start()
    for (const peer of this.#c.mesh.libp2p?.getPeers() ?? []) this.#connected.add(peer.toString())
    this.#c.mesh.libp2p?.addEventListener('peer:connect', this.#onConnect)
    this.#c.mesh.libp2p?.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#c.mesh.join('blobs', async (bytes, from) => await this.#onAdvertisement(bytes, from, 'mesh'))
    this.#c.mesh.join('site-blobs', async (bytes, from) => await this.#onAdvertisement(bytes, from, 'site'))
  }

  async stop (): Promise<void> {
    this.#stopped.abort()
    this.#c.mesh.libp2p?.removeEventListener('peer:connect', this.#onConnect)
    this.#c.mesh.libp2p?.removeEventListener('peer:disconnect', this.#onDisconnect)
    for (const { timer } of this.#advertised.values()) clearTimeout(timer)
    this.#answers.stop()
    await Promise.allSettled([...this.#downloads.values()].map(async d => await d.promise))
    await this.#server.stop()
  }

  /** Fetches a blob from the peers that hold it (once, however many callers ask); resolves when it is complete and verified. */
  async fetch (blobId: BlobId, indexId: string, options: FetchOptions = {}): Promise<DownloadProgress> {
    const held = await this.#c.store.progress(blobId)
    if (held?.complete === true) {
      return this.#received.get(blobId) ?? { blobId, chunksHeld: held.chunkCount, chunkCount: held.chunkCount, bytesSameSite: 0, bytesOtherSites: 0, corruptChunks: 0 }
    }
    const hint = await this.#hinted(options.holder)
    let running = this.#downloads.get(blobId)
    if (running == null) {
      const download = new BlobDownload({
        store: this.#c.store,
        holders: this.#holders,
        open: async (peer, signal) => await this.#openStream(peer, signal),
        self: this.#c.self,
        advertise: (id, urgent) => { this.#advertise(id, urgent) },
        penalise: (peer, reason) => { this.#penalise(peer, reason) },
        penalised: peer => (this.#penalised.get(peer) ?? 0) > Date.now(),
        connected: peer => this.#connected.has(peer),
        download: this.#download,
        wan: this.#wan,
        logger: this.#c.logger
      }, {
        blobId,
        digest: parseBlobId(blobId),
        indexId,
        signal: this.#stopped.signal,
        lanWaitMs: this.#init.lanWaitMs,
        readvertiseIdleMs: this.#init.readvertiseIdleMs,
        hint,
        size: options.size,
        onProgress: progress => { this.#received.set(blobId, progress) }
      })
      const promise = download.run().finally(() => { this.#downloads.delete(blobId) })
      this.#downloads.set(blobId, running = { promise, download })
    }
    const { promise, download } = running
    const onProgress = options.onProgress
    if (onProgress == null && options.signal == null) return await promise
    const timer = onProgress == null ? undefined : setInterval(() => { onProgress({ ...download.progress }) }, 250)
    try {
      return await (options.signal == null ? promise : abortable(promise, options.signal))
    } finally {
      clearInterval(timer)
    }
  }

  /** A hinted holder with its site (bytes from it count as LAN or WAN traffic like any other's). */
  async #hinted (peer: string | undefined): Promise<{ peer: string, site: string } | undefined> {
    if (peer == null || peer === this.#c.self.id) return undefined
    return { peer, site: this.#sites.get(peer) ?? await this.#c.siteOf?.(peer) ?? '' }
  }

  /** Per blob: local progress, holders per site, where the bytes came from. */
  async report (blobIds: Iterable<BlobId>): Promise<BlobReport[]> {
    const reports: BlobReport[] = []
    for (const blobId of blobIds) {
      const progress = await this.#c.store.progress(blobId)
      const holdersBySite: BlobReport['holdersBySite'] = {}
      for (const holder of this.#holders.of(blobId)) {
        const site = holdersBySite[holder.site] ??= { complete: 0, partial: 0 }
        if (holder.complete) site.complete++
        else site.partial++
      }
      const received = this.#downloads.get(blobId)?.download.progress ?? this.#received.get(blobId)
      reports.push({
        blobId,
        size: progress?.size ?? 0,
        chunkCount: progress?.chunkCount ?? 0,
        chunksHeld: progress?.held ?? 0,
        complete: progress?.complete ?? false,
        holdersBySite,
        ...(received == null ? {} : { received: { sameSite: received.bytesSameSite, otherSites: received.bytesOtherSites, corruptChunks: received.corruptChunks } })
      })
    }
    return reports
  }

  /**
   * Tells the site what this node holds of a blob, at most once per interval (the last state always
   * goes out); a whole blob, and now and then the wish for one, go to the whole mesh.
   */
  #advertise (blobId: BlobId, urgent = false): void {
    const entry = this.#advertised.get(blobId) ?? { at: 0, wantAt: 0, urgent: false }
    this.#advertised.set(blobId, entry)
    entry.urgent ||= urgent
    if (entry.timer != null) return
    const wait = Math.max(0, entry.at + this.#advertiseInterval(blobId) - Date.now())
    entry.timer = setTimeout(() => {
      entry.timer = undefined
      entry.at = Date.now()
      void this.#publishHave(blobId, entry)
    }, wait)
  }

  /** How long this node waits between advertisements of a blob to its site: longer the more site-mates download it. */
  #advertiseInterval (blobId: BlobId): number {
    const site = this.#c.self.site
    const downloading = this.#holders.of(blobId).filter(h => h.site === site && h.wants && !h.complete).length + 1
    const longest = Math.max(DEFAULT_ADVERTISE_INTERVAL_MS, (this.#init.lanWaitMs ?? DEFAULT_LAN_WAIT_MS) / 3)
    return Math.min(longest, Math.max(DEFAULT_ADVERTISE_INTERVAL_MS, downloading * 1_000 / SITE_ADVERTISEMENTS_PER_SECOND))
  }

  async #publishHave (blobId: BlobId, entry: Advertised): Promise<void> {
    try {
      // Before the chunk index arrives a node still says it wants the blob: holders answer, site-mates count it in.
      const progress = await this.#c.store.progress(blobId) ?? { chunkCount: 0, complete: false }
      const haveMap = await this.#c.store.haveMap(blobId) ?? new Uint8Array(0)
      const have = { digest: parseBlobId(blobId), chunkCount: progress.chunkCount, complete: progress.complete, wants: true, site: this.#c.self.site, haveMap }
      if (have.complete) {
        await this.#c.mesh.publish('blobs', encodeBlobHave(have))
        return
      }
      await this.#c.mesh.publish('site-blobs', encodeBlobHave(have))
      if (!entry.urgent && Date.now() - entry.wantAt < DEFAULT_WANT_INTERVAL_MS) return
      entry.wantAt = Date.now()
      entry.urgent = false
      // Without the map: other sites fetch only from whole copies, and site-mates have it from the site topic.
      await this.#c.mesh.publish('blobs', encodeBlobHave({ ...have, chunkCount: 0, haveMap: new Uint8Array(0) }))
    } catch (err) {
      this.#log.warn({ err, blobId }, 'cannot advertise blob')
    }
  }

  async #onAdvertisement (bytes: Uint8Array, from: PeerId, topic: 'mesh' | 'site'): Promise<TopicValidatorResult> {
    let have
    try {
      have = decodeBlobHave(bytes)
    } catch (err) {
      this.#log.warn({ peer: from.toString(), untrusted: { reason: (err as Error).message } }, 'blob advertisement refused')
      return TopicValidatorResult.Reject
    }
    const blobId = blobIdFromSha256(have.digest)
    const peer = from.toString()
    const sameSite = have.site === this.#c.self.site
    const known = this.#holders.of(blobId).some(h => h.peer === peer)
    this.#sites.set(peer, have.site)
    // A site-mate's mesh-wide word carries no map; the one its site advertisements gave must stay.
    if (topic === 'site' || have.complete || !sameSite) this.#holders.advertise(blobId, peer, have)
    // A peer new to this blob learns at once who holds it; others hear a holder again at most every so often.
    // Another site fetches only whole copies, so only a whole copy answers it.
    const mine = this.#advertised.get(blobId)
    const due = !known || Date.now() - (mine?.at ?? 0) > DEFAULT_READVERTISE_INTERVAL_MS
    if (have.complete || !due) return TopicValidatorResult.Accept
    const held = await this.#c.store.progress(blobId)
    if (held?.complete === true) this.#answers.want(blobId, { id: peer, site: have.site })
    else if (held !== undefined && sameSite) this.#advertise(blobId)
    return TopicValidatorResult.Accept
  }

  /** A peer that left (or restarted) forgets what we told it: forget it too, so its next advertisement is answered at once. */
  readonly #onConnect = (event: CustomEvent<PeerId>): void => {
    this.#connected.add(event.detail.toString())
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    this.#connected.delete(event.detail.toString())
    this.#holders.forget(event.detail.toString())
  }

  #penalise (peer: string, reason: string): void {
    this.#penalised.set(peer, Date.now() + DEFAULT_PENALTY_MS)
    this.#log.warn({ peer, reason }, 'peer penalised: it served data that failed verification')
  }

  async #openStream (peer: PeerId, signal: AbortSignal) {
    const libp2p = this.#c.mesh.libp2p
    if (libp2p == null) throw new Error('mesh stopped')
    return await libp2p.dialProtocol(peer, BLOB_PROTOCOL, { signal })
  }
}
