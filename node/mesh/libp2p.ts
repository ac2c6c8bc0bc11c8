import { createHash } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { GossipSub } from '@libp2p/gossipsub'
import type { FastMsgIdFn, MsgIdFn } from '@libp2p/gossipsub/types'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PeerDiscovery, PeerId, PrivateKey } from '@libp2p/interface'

/** The libp2p node patchmesh runs: TCP + noise + yamux, identify, gossipsub. */
export type MeshLibp2p = Libp2p<{ identify: Identify, pubsub: GossipSub }>

export interface MeshLibp2pInit {
  privateKey: PrivateKey
  /** Multiaddrs to listen on, e.g. /ip4/0.0.0.0/tcp/4001. */
  listen: string[]
  /** Multiaddrs (with /p2p/ ids) dialled at start and whenever the node has no peers. */
  bootstrap: string[]
  /** Find peers on the LAN by multicast DNS. */
  mdns: boolean
  /** The mesh's gossip topics: a peer that sends messages their validators reject loses score on them. */
  topics: string[]
  /** The topics whose messages are signed documents, named by their content (see contentMessageId). */
  contentTopics: string[]
}

/** @default 1 s: our messages are small and few, so fast heartbeats cost little and cut latency. */
export const GOSSIP_HEARTBEAT_INTERVAL_MS = 1_000
/**
 * @default 1: announce recent message ids (IHAVE) to every peer outside the gossip mesh at each
 * heartbeat, not a quarter of them. A well-known node holds far more peers than its mesh degree, and
 * our topics carry a few messages a minute, so full announcement costs little and reaches everyone
 * within a heartbeat.
 */
export const GOSSIP_FACTOR = 1
/**
 * @default 50 connections a second from one address (libp2p's own default is 5): a branch behind
 * one NAT address, or a test bed on one machine, reaches a well-known peer from one address.
 */
export const INBOUND_CONNECTIONS_PER_SECOND_PER_HOST = 50
/**
 * @default 60 s between libp2p's liveness pings of a connection (its own default is 10 s). Each ping
 * opens a stream and negotiates the ping protocol: about 80 bytes a second per connection, which
 * was most of an idle node's traffic. A peer that vanished without closing its connection is still
 * found within a couple of minutes, and gossip, sync and the other peers cover for it meanwhile.
 */
export const CONNECTION_PING_INTERVAL_MS = 60_000
/**
 * @default 30 s that a liveness ping may take before libp2p closes the connection (its adaptive
 * timeout starts from 5 s). A node busy for a few seconds — a rescan, a burst of gossip, a machine
 * shared with other work — is alive; closing its connections only made every peer dial it again,
 * and a handshake costs more than the ping it replaced.
 */
export const CONNECTION_PING_TIMEOUT_MS = 30_000

/**
 * Score on our topics counts only invalid messages (validators' Reject): a forged or malformed
 * message costs its sender 100 points, below gossipsub's graylist threshold (-80), so its further
 * messages are dropped unread; the count decays by 10% a second. Delivery-rate terms stay off: our
 * topics are quiet by nature, and an honest peer must not lose score for having nothing to say.
 */
export const INVALID_MESSAGE_SCORE = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -100,
  invalidMessageDeliveriesDecay: 0.9
})

/**
 * gossipsub verifies a message's signature before it looks the message up among those it has seen,
 * unless a fast id names it first; every message reaches a node from each of its mesh peers, so
 * without one a node verifies every message about as many times as it has mesh peers — in a busy
 * download that was most of a node's CPU. On the author-named topics the fast id is the author and
 * sequence number, what authorMessageId is made of, so two messages share it only if one is forged;
 * gossipsub caches a fast id only after the signature checked out, so a forgery cannot shadow the
 * real message.
 */
function authorFastMessageId (message: { from?: Uint8Array, seqno?: Uint8Array }): string {
  return `${Buffer.from(message.from ?? []).toString('base64')}:${Buffer.from(message.seqno ?? []).toString('base64')}`
}

/**
 * Status records and admin documents carry their authors' signatures inside, and anti-entropy hands
 * them over as the very bytes that were gossiped; on their topics a message is named by its content.
 * A record one node learned by sync and gossips on is then the record its neighbours already saw, and
 * goes no further: named by author and sequence number, as gossipsub does by default, it was news from
 * a new author that crossed the whole mesh again, and while 50 nodes joined, or after a new catalog,
 * those copies were most of the mesh's gossip. Blob advertisements speak for their author (what it
 * holds), so identical bytes from two holders are two messages and keep the author's name.
 */
export function contentMessageId (topic: string, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(topic).update(data).digest()
}

/** The message id of a message named by its author: its author's peer id and sequence number. */
function authorMessageId (from: PeerId, seqno: bigint): Uint8Array {
  const sequence = Buffer.alloc(8)
  sequence.writeBigUInt64BE(seqno)
  return Buffer.concat([from.toMultihash().bytes, sequence])
}

/** gossipsub's two names for a message: by content on `contentTopics`, by author and sequence number elsewhere. */
export function messageNaming (contentTopics: string[]): { fastMsgIdFn: FastMsgIdFn, msgIdFn: MsgIdFn } {
  const byContent = new Set(contentTopics)
  return {
    // Both names of a content topic's message come from its bytes: the fast one is looked up before
    // the signature is checked, so it must be one that a forger cannot give to different bytes.
    fastMsgIdFn: message => byContent.has(message.topic) ? Buffer.from(contentMessageId(message.topic, message.data ?? new Uint8Array(0))).toString('base64') : authorFastMessageId(message),
    msgIdFn: message => byContent.has(message.topic) || message.type !== 'signed' ? contentMessageId(message.topic, message.data) : authorMessageId(message.from, message.sequenceNumber)
  }
}

/** Creates (not starts) the libp2p node with the DESIGN stack. */
export async function createMeshLibp2p (init: MeshLibp2pInit): Promise<MeshLibp2p> {
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (init.mdns) peerDiscovery.push(mdns())
  if (init.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: init.bootstrap }))
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    connectionManager: { inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_SECOND_PER_HOST },
    connectionMonitor: { pingInterval: CONNECTION_PING_INTERVAL_MS, pingTimeout: { minTimeout: CONNECTION_PING_TIMEOUT_MS } },
    services: {
      identify: identify(),
      pubsub: gossipsub({
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        heartbeatInterval: GOSSIP_HEARTBEAT_INTERVAL_MS,
        gossipFactor: GOSSIP_FACTOR,
        ...messageNaming(init.contentTopics),
        // A sync-learned record this node already passed on is a duplicate publish, not an error.
        ignoreDuplicatePublishError: true,
        // gossipsub scores down every peer beyond 10 from one IP address, and past 11 stops gossiping
        // with them: a branch office behind one NAT address would be cut off. Our records are signed
        // end to end, so many peers on one address are no sybil risk to what we hold.
        scoreParams: { IPColocationFactorWeight: 0, topics: Object.fromEntries(init.topics.map(topic => [topic, INVALID_MESSAGE_SCORE])) }
      })
    }
  })
}
