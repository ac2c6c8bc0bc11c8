import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { BlobService } from '../../node/blobs/blob-service.ts'
import { BlobStore } from '../../node/blobs/blob-store.ts'
import { exchangeView } from '../../node/blobs/store-adapter.ts'
import { openDatabase } from '../../node/db/database.ts'
import { FleetStore } from '../../node/fleet/fleet-store.ts'
import { loadNodeIdentity } from '../../node/identity.ts'
import { silentLogger } from '../../node/log.ts'
import { Mesh, meshTopic } from '../../node/mesh/mesh.ts'
import { pollUntil } from './poll.ts'
import { tempDir } from './temp.ts'
import type { BlobServiceInit, ServiceStore } from '../../node/blobs/blob-service.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { NodeDatabase } from '../../node/db/database.ts'
import type { NodeIdentity } from '../../node/identity.ts'
import type { MeshTopic } from '../../node/mesh/mesh.ts'
import type { TestContext } from 'node:test'

const MESH_NAME = 'test-mesh'

export interface TestBlobNode {
  id: string
  site: string
  dataDir: string
  identity: NodeIdentity
  db: NodeDatabase
  fleet: FleetStore
  mesh: Mesh
  store: BlobStore
  blobs: BlobService
  /** Stops the node now (as a crash or departure would look to its peers); the test's end does nothing more. */
  stop: () => Promise<void>
  /** Runs `undo` first when the node stops: a service the test started on top of it. */
  onStop: (undo: () => Promise<void> | void) => void
}

export interface BlobNodeOptions extends BlobServiceInit {
  site: string
  bootstrap?: string[]
  /** Time between anti-entropy rounds; tests that need every fleet view in step shorten it. @default 60 s */
  syncIntervalMs?: number
  /** Reuse a data folder (a restarted node). */
  dataDir?: string
  /** The store as the exchange sees it (default exchangeView): a test wraps it to make a lying or failing peer. */
  storeView?: (store: BlobStore) => ServiceStore
}

/** Starts a mesh node with a blob store and the blob exchange on loopback; stopped when the test ends. */
export async function startBlobNode (t: TestContext, options: BlobNodeOptions): Promise<TestBlobNode> {
  const dataDir = options.dataDir ?? join(await tempDir(t), 'data')
  const db: NodeDatabase = await openDatabase(dataDir)
  const identity = await loadNodeIdentity(dataDir)
  const logger = silentLogger()
  const fleet = new FleetStore(db)
  const mesh = new Mesh({
    name: MESH_NAME,
    identity,
    db,
    fleet,
    logger,
    site: options.site,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: options.bootstrap ?? [],
    mdns: false,
    sync: { intervalMs: options.syncIntervalMs ?? 60_000 }
  })
  await mesh.start()
  const store = await BlobStore.open(db, dataDir)
  const view = options.storeView?.(store) ?? exchangeView(store)
  const blobs = new BlobService({ store: view, mesh, self: { id: identity.id, site: options.site }, logger }, options)
  await blobs.start()
  let stopped = false
  const undos: Array<() => Promise<void> | void> = []
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    for (const undo of undos.reverse()) await undo()
    await blobs.stop()
    await mesh.stop()
    await db.close()
  }
  t.after(stop)
  return { id: identity.id, site: options.site, dataDir, identity, db, fleet, mesh, store, blobs, stop, onStop: undo => { undos.push(undo) } }
}

/** Connects every node to every other, as mDNS does on one LAN. */
export async function connectAll (nodes: TestBlobNode[]): Promise<void> {
  for (const [i, a] of nodes.entries()) {
    for (const b of nodes.slice(i + 1)) {
      await a.mesh.libp2p?.dial(b.mesh.addresses.map(address => multiaddr(address)))
    }
  }
}

/** The whole content of a complete blob, read through the store's checking stream. */
export async function readBlob (node: TestBlobNode, blobId: BlobId): Promise<Buffer> {
  const stream = await node.store.openRead(blobId)
  const parts: Buffer[] = []
  for await (const part of stream) parts.push(part as Buffer)
  return Buffer.concat(parts)
}

/**
 * Waits until, within each group, every node's gossip lists the others on the blobs topic, so a
 * first advertisement reaches them at once rather than at the next re-advertisement.
 */
export async function awaitBlobGossip (...groups: Array<Array<{ mesh: Mesh }>>): Promise<void> {
  await awaitGossip('blobs', ...groups)
}

/** Waits until, within each group, every node's gossip lists the others on a mesh topic. */
export async function awaitGossip (name: MeshTopic, ...groups: Array<Array<{ mesh: Mesh }>>): Promise<void> {
  const topic = meshTopic(MESH_NAME, name)
  await pollUntil(() => groups.every(group => group.every(({ mesh }) => {
    const subscribers = new Set(mesh.libp2p?.services.pubsub.getSubscribers(topic).map(peer => peer.toString()))
    return group.every(other => other.mesh === mesh || subscribers.has(other.mesh.libp2p?.peerId.toString() ?? ''))
  })) ? true : undefined, `${name} gossip between the nodes`)
}
