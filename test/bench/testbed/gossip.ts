// S4's measurements on a running patchmesh fleet: how long a new status record and a newly signed
// package manifest take to reach every node, and what the fleet sends while nothing happens. Nodes
// are asked through the management plane, so the asking crosses none of the links measured.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { adminKeyFileName } from '../../../admin/mesh-init.ts'
import { watchNodes } from '../mesh/wait.ts'
import { countersSince, payloadBytes, readCounters } from './counters.ts'
import { HTTP_PORT, TESTBED_PASSPHRASE, patchmeshCli, requestScan } from './systems/patchmesh.ts'
import type { Flow } from './counters.ts'
import type { Answer, ManagementClient } from './management.ts'
import type { FleetContext } from './systems/patchmesh.ts'
import type { Testbed, TestbedNode } from './topology.ts'

/** A patch of the example catalog that every testbed daemon holds (they start without --catalog). */
const PACKAGE_PATCH_ID = 'PMSA-2023-0087-deb12'
/** The manifests target a site no node is in: nobody pre-stages the file, so only the manifest's own spread is timed. */
const NO_SITE = 's4-no-such-site'

/** How the spreads are watched. */
export interface Watch {
  ctx: FleetContext
  client: ManagementClient
  /** Peer id by node name. */
  ids: Map<string, string>
  /** Time between two polls of one node (the client's concurrency permitting): the resolution of poll times. */
  pollMs: number
  /** Per spread, from the moment polling starts. */
  deadlineMs: number
}

/** When one node held what was published. */
export interface Arrival {
  node: string
  site: string
  /** ms from publication until the node held it; undefined when the deadline passed first. */
  ms?: number
  /** ms from publication until the poll that first saw it was sent. */
  seenMs?: number
  /** ms between the previous poll of the node and that one: how late seenMs may be. */
  gapMs?: number
}

export interface Spread {
  what: 'status' | 'manifest'
  publisher: string
  /** Every node but the publisher. */
  arrivals: Arrival[]
}

/** The part of a /api/v1/computers entry looked at. */
interface Computer { id: string, lastSeen: string }
/** The part of a /api/v1/admin-documents entry looked at. */
interface HeldDocument { kind: string, name: string, state: string, receivedAt: string }

const COMPUTERS = '/api/v1/computers'
const ADMIN_DOCUMENTS = '/api/v1/admin-documents'

/** A poll's answer with the time the poll before it (of the same node) left. */
type Polled<T> = Answer<T> & { previousAt?: number }

/**
 * Polls `path` on every node of the testbed until `holds` is true for its answer (or the deadline),
 * starting before `publish` runs, so that the first poll after the arrival sees it whenever that is.
 */
async function watchFleet<T> (w: Watch, path: string, holds: (body: T) => boolean, publish: () => Promise<void>): Promise<Map<string, Polled<T>>> {
  const stop = new AbortController()
  const signal = AbortSignal.any([w.ctx.signal, stop.signal])
  const nodes = w.ctx.bed.nodes.map((node, index) => ({ node, index }))
  const previous = new Map<number, number>()
  const read = async ({ node, index }: { node: TestbedNode, index: number }, readSignal: AbortSignal): Promise<Polled<T>> => {
    const answer = await w.client.get<T>(node, HTTP_PORT, path, readSignal)
    const previousAt = previous.get(index)
    previous.set(index, answer.sentAt)
    return { ...answer, previousAt }
  }
  const t0 = performance.now()
  const watching = watchNodes(nodes, read, polled => holds(polled.body), { t0, intervalMs: w.pollMs, deadline: t0 + w.deadlineMs, signal })
  try {
    await publish()
  } catch (err) {
    stop.abort(err)
    await watching.catch(() => {})
    throw err
  }
  const observations = await watching
  const seen = new Map<string, Polled<T>>()
  for (const o of observations) {
    const node = nodes[o.index]?.node
    if (node !== undefined && o.ms !== undefined && o.last !== undefined) seen.set(node.name, o.last)
  }
  return seen
}

/** Every node but the publisher, with `arrival` for those that got there. */
function arrivals (bed: Testbed, publisher: TestbedNode, arrival: (node: TestbedNode) => Omit<Arrival, 'node' | 'site'> | undefined): Arrival[] {
  return bed.nodes.filter(n => n !== publisher).map(n => ({ node: n.name, site: n.site.name, ...arrival(n) }))
}

const gapOf = (p: Polled<unknown>): number | undefined => p.previousAt === undefined ? undefined : p.sentAt - p.previousAt

/**
 * Has `publisher` rescan and publish a new status record (POST /api/v1/control/scan), and times
 * until every other node's fleet view shows it: from the record's own publishedAt (every namespace
 * reads the one clock of this machine) to the first poll that saw it.
 */
export async function statusSpread (w: Watch, publisher: TestbedNode): Promise<Spread> {
  const id = w.ids.get(publisher.name)
  const own = (body: { computers: Computer[] }): Computer | undefined => body.computers.find(c => c.id === id)
  const before = own((await w.client.get<{ computers: Computer[] }>(publisher, HTTP_PORT, COMPUTERS, w.ctx.signal)).body)?.lastSeen
  const newer = (c: Computer | undefined): boolean => c !== undefined && (before === undefined || Date.parse(c.lastSeen) > Date.parse(before))
  const seen = await watchFleet<{ computers: Computer[] }>(w, COMPUTERS, body => newer(own(body)), async () => { await requestScan(w.ctx, publisher) })
  return {
    what: 'status',
    publisher: publisher.name,
    arrivals: arrivals(w.ctx.bed, publisher, node => {
      const polled = seen.get(node.name)
      const record = polled === undefined ? undefined : own(polled.body)
      if (polled === undefined || record === undefined) return undefined
      const ms = polled.sentAt - Date.parse(record.lastSeen)
      return { ms, seenMs: ms, gapMs: gapOf(polled) }
    })
  }
}

/** The files a manifest is built from: a tiny installer and the passphrase of the mesh's admin key. */
export async function writePackageInputs (dir: string): Promise<{ installer: string, passphrase: string }> {
  const installer = join(dir, 's4-patch.deb')
  const passphrase = join(dir, 'passphrase')
  await writeFile(installer, 'S4 stands in for a patch file\n')
  await writeFile(passphrase, `${TESTBED_PASSPHRASE}\n`, { mode: 0o600 })
  return { installer, passphrase }
}

/**
 * Builds package `name` at `publisher` and signs it with the admin key (create, add, set, sign),
 * then publishes it and times until every other node holds it accepted: from the publisher's own
 * receivedAt to each node's (both stored as it happened, on this machine's one clock).
 */
export async function manifestSpread (w: Watch, publisher: TestbedNode, name: string, inputs: { installer: string, passphrase: string }): Promise<Spread> {
  const key = join(w.ctx.dir, 'mesh', adminKeyFileName(1))
  for (const step of [['create', name], ['add', name, PACKAGE_PATCH_ID, '--file', inputs.installer], ['set', name, '--sites', NO_SITE], ['sign', name, '--key', key, '--passphrase-file', inputs.passphrase]]) {
    await patchmeshCli(w.ctx, publisher, ['admin', 'package', ...step])
  }
  const held = (body: { documents: HeldDocument[] }): HeldDocument | undefined => body.documents.find(d => d.kind === 'package-manifest' && d.name === name && d.state === 'accepted')
  const seen = await watchFleet<{ documents: HeldDocument[] }>(w, ADMIN_DOCUMENTS, body => held(body) !== undefined, async () => {
    await patchmeshCli(w.ctx, publisher, ['admin', 'package', 'publish', name])
  })
  const own = seen.get(publisher.name)
  const ownDoc = own === undefined ? undefined : held(own.body)
  if (ownDoc === undefined) throw new Error(`${publisher.name} published ${name} but does not show it accepted`)
  const t0 = Date.parse(ownDoc.receivedAt)
  return {
    what: 'manifest',
    publisher: publisher.name,
    arrivals: arrivals(w.ctx.bed, publisher, node => {
      const polled = seen.get(node.name)
      const doc = polled === undefined ? undefined : held(polled.body)
      if (polled === undefined || doc === undefined) return undefined
      return { ms: Date.parse(doc.receivedAt) - t0, seenMs: polled.sentAt - t0, gapMs: gapOf(polled) }
    })
  }
}

/** Bytes per second through one link, both directions added. */
export interface IdleLink {
  name: string
  in: Flow
  out: Flow
  /** On the wire (frames), in + out. */
  bytesPerS: number
  /** TCP payload estimated from the frames (counters.ts), in + out. */
  payloadBytesPerS: number
}

export interface IdleTraffic {
  seconds: number
  /** Each branch's WAN link, at the router. */
  wan: IdleLink[]
  /** Each node's own link, at its bridge port. */
  nodes: IdleLink[]
}

/** Reads the interface counters, waits `seconds` while nothing is asked of the nodes, and reads them again. */
export async function idleTraffic (bed: Testbed, seconds: number, signal: AbortSignal): Promise<IdleTraffic> {
  const before = await readCounters(bed, signal)
  const started = performance.now()
  await delay(seconds * 1000, undefined, { signal })
  const moved = countersSince(await readCounters(bed, signal), before)
  const elapsed = (performance.now() - started) / 1000
  const link = (name: string, t: { in: Flow, out: Flow }): IdleLink => ({
    name,
    ...t,
    bytesPerS: (t.in.bytes + t.out.bytes) / elapsed,
    payloadBytesPerS: (payloadBytes(t.in) + payloadBytes(t.out)) / elapsed
  })
  return {
    seconds: elapsed,
    wan: [...moved.wan].filter(([site]) => site !== 'hq').map(([site, t]) => link(site, t)),
    nodes: [...moved.nodes].map(([node, t]) => link(node, t))
  }
}
