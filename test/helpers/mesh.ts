import { hostname } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../node/db/database.ts'
import { FleetStore } from '../../node/fleet/fleet-store.ts'
import { loadNodeIdentity } from '../../node/identity.ts'
import { silentLogger } from '../../node/log.ts'
import { advertisedAddresses } from '../../node/mesh/addresses.ts'
import { Mesh } from '../../node/mesh/mesh.ts'
import { encodeStatusRecord } from '../../protocol/status-record.ts'
import { tempDir } from './temp.ts'
import type { NodeDatabase } from '../../node/db/database.ts'
import type { NodeIdentity } from '../../node/identity.ts'
import type { SyncedRecords } from '../../node/mesh/mesh.ts'
import type { StatusRecord } from '../../protocol/status-record.ts'
import type { TestContext } from 'node:test'

export interface TestMeshNode {
  mesh: Mesh
  fleet: FleetStore
  identity: NodeIdentity
  db: NodeDatabase
  /** The node's folder: pass it as `dir` to start the node again. */
  dir: string
  /** Leaves the mesh and closes the database (also done when the test ends); the node's folder stays for a restart. */
  stop: () => Promise<void>
  /** Publishes a status record of this node with the given seq and missing patches, and its listen addresses, as the agent does. */
  publish: (seq: number, missing?: string[]) => Promise<Uint8Array>
}

export interface TestMeshNodeOptions {
  name?: string
  bootstrap?: string[]
  syncIntervalMs?: number
  /** A folder from an earlier node to start again from (its identity and database); a new one by default. */
  dir?: string
  /** More records for sync to carry, built over the node's database; `relay` gossips on the admin topic. */
  moreRecords?: (db: NodeDatabase, relay: (bytes: Uint8Array) => Promise<void>) => Promise<SyncedRecords>
}

/** Starts a mesh node on loopback TCP (no mDNS) with its own database; stopped when the test ends. */
export async function startMeshNode (t: TestContext, options: TestMeshNodeOptions = {}): Promise<TestMeshNode> {
  const dir = options.dir ?? await tempDir(t)
  const db = await openDatabase(join(dir, 'data'))
  const identity = await loadNodeIdentity(join(dir, 'data'))
  const fleet = new FleetStore(db)
  const moreRecords = await options.moreRecords?.(db, async bytes => { await mesh.publish('admin', bytes) })
  const mesh: Mesh = new Mesh({
    name: options.name ?? 'test-mesh',
    identity,
    db,
    fleet,
    logger: silentLogger(),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    bootstrap: options.bootstrap ?? [],
    mdns: false,
    sync: { intervalMs: options.syncIntervalMs ?? 60_000 },
    moreRecords
  })
  await mesh.start()
  let stopped: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopped ??= mesh.stop().then(async () => { await db.close() })
    await stopped
  }
  t.after(stop)
  const publish = async (seq: number, missing: string[] = []): Promise<Uint8Array> => {
    // This computer's host name, as a dpkg inventory gives it: peers on this host may dial its loopback addresses.
    const own = { host: hostname(), addresses: advertisedAddresses(mesh.addresses) }
    const bytes = encodeStatusRecord(statusRecord(identity.id, seq, missing, options.name ?? 'test-mesh', own), identity.signingKey)
    await mesh.publishStatus(bytes)
    return bytes
  }
  return { mesh, fleet, identity, db, dir, stop, publish }
}

/** A plausible status record for a test node, changed by `overrides`. */
export function statusRecord (node: string, seq: number, missing: string[] = [], mesh = 'test-mesh', overrides: Partial<StatusRecord> = {}): StatusRecord {
  return {
    mesh,
    node,
    seq,
    host: `host-${node.slice(-6)}`,
    os: 'debian',
    versionId: '12',
    site: '',
    addresses: [],
    agentVersion: '0.1.0',
    catalog: { id: 'test-catalog', version: 1 },
    summary: { missing: missing.length, superseded: 0, installed: 3, 'not-applicable': 10 },
    missingBySeverity: missing.length > 0 ? { critical: missing.length } : {},
    missing,
    scannedAt: new Date().toISOString(),
    publishedAt: new Date().toISOString(),
    ...overrides
  }
}

/** The set of node ids a fleet view holds. */
export async function fleetNodes (node: TestMeshNode): Promise<Set<string>> {
  return new Set((await node.fleet.digest()).map(([id]) => id))
}
