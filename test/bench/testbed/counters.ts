// Bytes on the testbed's links, from the interfaces' own counters (`ip -s link`): what crossed
// each WAN link, and what each node received, whatever program moved it.
import { ip } from './netns.ts'
import type { Testbed } from './topology.ts'

/** Ethernet (14) + IPv4 (20) + TCP with the timestamp option (32): the headers of one TCP/IPv4 frame on a veth. */
export const FRAME_HEADER_BYTES = 66

/** Traffic through one link end, in the direction named (counted in L2 bytes: frames without FCS). */
export interface Flow {
  bytes: number
  packets: number
}

/** Both directions of a link, as seen from the named side. */
export interface LinkTraffic {
  in: Flow
  out: Flow
}

export interface TestbedCounters {
  /** Per site name: `in` = into the site across its WAN link, `out` = out of it. */
  wan: Map<string, LinkTraffic>
  /** Per node name: `in` = what the node received on its link, `out` = what it sent. */
  nodes: Map<string, LinkTraffic>
}

interface IpLinkStats { ifname: string, stats64?: { rx: { bytes: number, packets: number }, tx: { bytes: number, packets: number } } }

/** The counters of every interface in one namespace, by name. */
async function readNamespace (ns: string, signal?: AbortSignal): Promise<Map<string, IpLinkStats>> {
  const links = JSON.parse(await ip(['-n', ns, '-j', '-s', 'link', 'show'], signal)) as IpLinkStats[]
  return new Map(links.map(l => [l.ifname, l]))
}

/** The device's counters with rx as `in` (received by this side) or, when `flip`, tx as `in`. */
function traffic (links: Map<string, IpLinkStats>, dev: string, ns: string, flip: boolean): LinkTraffic {
  const stats = links.get(dev)?.stats64
  if (stats === undefined) throw new Error(`no counters for ${dev} in ${ns}`)
  const rx = { bytes: stats.rx.bytes, packets: stats.rx.packets }
  const tx = { bytes: stats.tx.bytes, packets: stats.tx.packets }
  return flip ? { in: tx, out: rx } : { in: rx, out: tx }
}

/**
 * Reads every WAN link at the router and every node link at its bridge port: one `ip` call per
 * namespace read. The far end's transmit counter is the near end's receive: on the router,
 * what it transmits on a site's link went into that site.
 */
export async function readCounters (bed: Testbed, signal?: AbortSignal): Promise<TestbedCounters> {
  const router = await readNamespace(bed.router, signal)
  const wan = new Map(bed.sites.map(site => [site.name, traffic(router, site.wan[0].dev, bed.router, true)]))
  const nodes = new Map<string, LinkTraffic>()
  for (const site of bed.sites) {
    const links = await readNamespace(site.ns, signal)
    for (const node of bed.nodes.filter(n => n.site === site)) nodes.set(node.name, traffic(links, node.link[1].dev, site.ns, true))
  }
  return { wan, nodes }
}

const minus = (a: Flow, b: Flow | undefined): Flow => ({ bytes: a.bytes - (b?.bytes ?? 0), packets: a.packets - (b?.packets ?? 0) })
const diffMap = (after: Map<string, LinkTraffic>, before: Map<string, LinkTraffic>): Map<string, LinkTraffic> =>
  new Map([...after].map(([name, t]) => [name, { in: minus(t.in, before.get(name)?.in), out: minus(t.out, before.get(name)?.out) }]))

/** What moved between two readings. */
export function countersSince (after: TestbedCounters, before: TestbedCounters): TestbedCounters {
  return { wan: diffMap(after.wan, before.wan), nodes: diffMap(after.nodes, before.nodes) }
}

/** The TCP payload in a flow, estimated by taking one frame's headers off every packet (exact for TCP/IPv4 data frames). */
export function payloadBytes (flow: Flow): number {
  return Math.max(0, flow.bytes - flow.packets * FRAME_HEADER_BYTES)
}
