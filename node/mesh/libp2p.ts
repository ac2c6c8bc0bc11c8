import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PeerDiscovery, PrivateKey } from '@libp2p/interface'

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
    services: {
      identify: identify(),
      pubsub: gossipsub({
        emitSelf: false,
        allowPublishToZeroTopicPeers: true,
        heartbeatInterval: GOSSIP_HEARTBEAT_INTERVAL_MS,
        gossipFactor: GOSSIP_FACTOR,
        // gossipsub scores down every peer beyond 10 from one IP address, and past 11 stops gossiping
        // with them: a branch office behind one NAT address would be cut off. Our records are signed
        // end to end, so many peers on one address are no sybil risk to what we hold.
        scoreParams: { IPColocationFactorWeight: 0 }
      })
    }
  })
}
