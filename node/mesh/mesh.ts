import { TopicValidatorResult } from '@libp2p/gossipsub'
import { RateLimiter } from '../fleet/rate-limit.ts'
import { validateStatusMessage } from '../fleet/status-validator.ts'
import { createMeshLibp2p } from './libp2p.ts'
import { PeerMemory } from './peer-memory.ts'
import { AntiEntropySync } from './sync.ts'
import type { NodeDatabase } from '../db/database.ts'
import type { FleetStore } from '../fleet/fleet-store.ts'
import type { NodeIdentity } from '../identity.ts'
import type { Logger } from '../log.ts'
import type { MeshLibp2p } from './libp2p.ts'
import type { SyncInit } from './sync.ts'
import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

/**
 * The mesh's gossip topics: node status records, admin documents (catalog announcements, manifests,
 * key changes), blob advertisements the whole mesh needs (who holds a whole blob, who wants one),
 * and the advertisements only a node's own site needs (the chunks a downloading node holds, once a
 * second) — on a topic per site, so a node hears its site-mates' progress and not the fleet's.
 */
export type MeshTopic = 'status' | 'admin' | 'blobs' | 'site-blobs'
const MESH_TOPICS: readonly MeshTopic[] = ['status', 'admin', 'blobs', 'site-blobs']
/** The topics that carry documents signed inside by their authors, which sync also hands over. */
const CONTENT_TOPICS: readonly MeshTopic[] = ['status', 'admin']

/** The name of one of a mesh's gossip topics; `site` names the site of a per-site topic. */
export function meshTopic (mesh: string, topic: MeshTopic, site = ''): string {
  return topic === 'site-blobs' ? `/patchmesh/${mesh}/${topic}/${encodeURIComponent(site)}/1` : `/patchmesh/${mesh}/${topic}/1`
}

/** The gossip topic that carries status records of one mesh. */
export function statusTopic (mesh: string): string {
  return meshTopic(mesh, 'status')
}

/**
 * Decides a gossip message's fate; never throws (a throw would count as Ignore and spare a forger its
 * penalty). `author` is the peer that signed and published the message (gossipsub's StrictSign
 * authenticates it); `relay` is the neighbour that handed it over, often a different peer.
 */
export type MessageValidator = (bytes: Uint8Array, author: PeerId, relay: PeerId) => Promise<TopicValidatorResult>

export interface MeshInit {
  /** The mesh name from the mesh file; records and topics of other meshes are refused. */
  name: string
  identity: NodeIdentity
  db: NodeDatabase
  fleet: FleetStore
  logger: Logger
  listen: string[]
  bootstrap: string[]
  /** This node's site, for the per-site topic. @default '' */
  site?: string
  /** @default true */
  mdns?: boolean
  sync?: SyncInit
  /** More signed records that sync exchanges beside status records (admin documents). */
  moreRecords?: SyncedRecords
}

/** A kind of signed record that anti-entropy carries besides status records. */
export interface SyncedRecords {
  digest: () => Promise<Array<[string, number]>>
  /** True for digest names of this kind. */
  owns: (name: string) => boolean
  encoded: (name: string) => Promise<Uint8Array | undefined>
  /** True for bytes of this kind (by their magic). */
  recognises: (bytes: Uint8Array) => boolean
  /** Verifies and stores bytes handed over by `from` (and gossips them on); false when refused. */
  receive: (bytes: Uint8Array, from: PeerId) => Promise<boolean>
}

/**
 * This node's place in the mesh: the libp2p node, status gossip into the fleet view, anti-entropy
 * sync, and the peers it remembers.
 */
export class Mesh {
  readonly #init: MeshInit
  readonly #log: Logger
  readonly #limiter = new RateLimiter()
  #libp2p?: MeshLibp2p
  #sync?: AntiEntropySync
  #peers?: PeerMemory

  constructor (init: MeshInit) {
    this.#init = init
    this.#log = init.logger.child({ module: 'mesh' })
  }

  /** The multiaddrs this node listens on, with its peer id. */
  get addresses (): string[] {
    return this.#libp2p?.getMultiaddrs().map(a => a.toString()) ?? []
  }

  /** The libp2p node, once started. */
  get libp2p (): MeshLibp2p | undefined {
    return this.#libp2p
  }

  async start (): Promise<void> {
    if (this.#libp2p != null) return
    const { identity, listen, bootstrap, name, fleet } = this.#init
    const topics = MESH_TOPICS.map(topic => this.#topicName(topic))
    const contentTopics = CONTENT_TOPICS.map(topic => this.#topicName(topic))
    const libp2p = this.#libp2p = await createMeshLibp2p({ privateKey: identity.privateKey, listen, bootstrap, mdns: this.#init.mdns ?? true, topics, contentTopics })
    const topic = statusTopic(name)
    this.join('status', async (bytes, _author, relay) => await this.#validate(bytes, relay, 'gossip'))
    const more = this.#init.moreRecords
    this.#sync = new AntiEntropySync(libp2p, {
      digest: async () => [...await fleet.digest(), ...await more?.digest() ?? []],
      encoded: async name => more?.owns(name) === true ? await more.encoded(name) : await fleet.encoded(name),
      receive: async (bytes, from) => {
        if (more?.recognises(bytes) === true) return await more.receive(bytes, from)
        if (await this.#validate(bytes, from, 'sync') !== TopicValidatorResult.Accept) return false
        // News learned by sync is gossiped on, so it spreads at gossip speed rather than one sync round per hop.
        await this.#gossip(bytes)
        return true
      }
    }, this.#init.logger, this.#init.sync)
    libp2p.services.pubsub.addEventListener('subscription-change', event => {
      const joined = event.detail.subscriptions.some(s => s.subscribe && s.topic === topic)
      // A peer that just joined our topic may have missed gossip either way; one side of the pair runs a sync round.
      if (joined && identity.id < event.detail.peerId.toString()) void this.#sync?.syncWith(event.detail.peerId).catch(() => {})
    })
    this.#peers = new PeerMemory(libp2p, this.#init.db, this.#init.logger, { fleet, site: this.#init.site })
    await libp2p.start()
    await this.#sync.start()
    this.#peers.start()
    this.#log.info({ addresses: this.addresses, mesh: name }, 'joined mesh')
  }

  /** Leaves the mesh; stopping libp2p also drops the gossip subscription and its listeners. */
  async stop (): Promise<void> {
    this.#peers?.stop()
    await this.#sync?.stop()
    await this.#libp2p?.stop()
    this.#libp2p = this.#sync = this.#peers = undefined
  }

  /** Subscribes to one of the mesh's topics; every message passes `validate` before it is delivered or relayed. */
  join (topic: MeshTopic, validate: MessageValidator): void {
    const pubsub = this.#libp2p?.services.pubsub
    if (pubsub == null) throw new Error('join() before start()')
    const name = this.#topicName(topic)
    pubsub.topicValidators.set(name, async (relay: PeerId, message: Message) => {
      // Unsigned messages never reach us (StrictSign refuses them before validation); the relay stands in to satisfy the type.
      const author = message.type === 'signed' ? message.from : relay
      return await validate(message.data, author, relay)
    })
    pubsub.subscribe(name)
  }

  #topicName (topic: MeshTopic): string {
    return meshTopic(this.#init.name, topic, this.#init.site)
  }

  /** Gossips a message on one of the mesh's topics; having no peers yet is not an error (sync hands it over later). */
  async publish (topic: MeshTopic, bytes: Uint8Array): Promise<void> {
    try {
      await this.#libp2p?.services.pubsub.publish(this.#topicName(topic), bytes)
    } catch (err) {
      this.#log.debug({ err, topic }, 'gossip publish failed')
    }
  }

  /** Stores this node's own signed status record and gossips it. */
  async publishStatus (bytes: Uint8Array): Promise<void> {
    await this.#init.fleet.offer(bytes, Date.now())
    await this.#gossip(bytes)
  }

  async #gossip (bytes: Uint8Array): Promise<void> {
    await this.publish('status', bytes)
  }

  async #validate (bytes: Uint8Array, from: PeerId, via: 'gossip' | 'sync'): Promise<TopicValidatorResult> {
    const verdict = await validateStatusMessage(bytes, { mesh: this.#init.name, fleet: this.#init.fleet, limiter: this.#limiter, now: Date.now() })
    if (verdict.result === 'reject') {
      this.#log.warn({ peer: from.toString(), via, reason: verdict.reason, untrusted: { detail: verdict.detail } }, 'status record refused')
      return TopicValidatorResult.Reject
    }
    if (verdict.result === 'ignore') {
      this.#log.debug({ peer: from.toString(), via, reason: verdict.reason }, 'status record ignored')
      return TopicValidatorResult.Ignore
    }
    this.#log.debug({ peer: from.toString(), via, node: verdict.record.node, seq: verdict.record.seq }, 'status record stored')
    return TopicValidatorResult.Accept
  }
}
