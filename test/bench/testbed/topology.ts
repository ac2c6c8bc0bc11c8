// The branch-office network, built from a small description out of network namespaces:
//
//   node ns ──veth── site ns (bridge br0, the site's gateway) ──veth (the WAN link)── router ns
//
// HQ is site 0 and holds the seed/admin node (hq-0); branches b1…bB hold K nodes each. Every WAN
// link and, optionally, every node's own link is shaped with tbf. Site s has LAN 10.1.s.0/24
// (gateway .1, node k at .(10+k)) and WAN 10.2.s.0/30 (router .1, site .2).
//
// Optionally a management plane, apart from all of that: a namespace with a point-to-point link
// to every node (node k of site s at 10.3.s.(10+k), the management end at 10.3.255.1), so that a
// bench can ask every node's API without its requests crossing, or being counted on, the links it
// measures.
import { PROCESS_PREFIX, ip, newRunPrefix, nsRun, removeNamespaces, removeNamespacesSync, removeStaleNamespaces } from './netns.ts'
import { NamespaceProcesses } from './processes.ts'
import { shapeEgress } from './shaping.ts'
import type { LinkEnd } from './shaping.ts'

/** What to build. Rates are bit/s; an undefined rate leaves that link unshaped. */
export interface TopologySpec {
  /** Nodes at HQ; the first is the seed/admin node. */
  hqNodes: number
  branches: number
  nodesPerBranch: number
  /** Each branch's WAN link, both directions. HQ's own WAN link is never shaped: it stands for the data centre. */
  wanBitPerS?: number
  /** Each node's upload: the egress of its own interface. */
  nodeUpBitPerS?: number
  /** Each node's download: the egress of its bridge port. */
  nodeDownBitPerS?: number
  /** Build the management plane. @default false */
  management?: boolean
}

export interface Site {
  /** `hq`, `b1`, `b2`, … */
  name: string
  index: number
  /** The namespace holding the site's bridge and its end of the WAN link. */
  ns: string
  gateway: string
  /** The WAN link: [towards the site (router egress), away from the site (site egress)]. */
  wan: [LinkEnd, LinkEnd]
}

export interface TestbedNode {
  /** `hq-0`, `b1-3`, … */
  name: string
  site: Site
  ns: string
  ip: string
  role: 'seed' | 'peer'
  /** The node's link: [its upload (its eth0 egress), its download (its bridge port's egress)]. */
  link: [LinkEnd, LinkEnd]
  /** Its address on the management plane (reachable from the management namespace only, and only when the spec asks for it). */
  managementIp: string
}

export interface Testbed {
  prefix: string
  spec: TopologySpec
  router: string
  sites: Site[]
  nodes: TestbedNode[]
  seed: TestbedNode
  /** The management namespace and its own address, when the spec asks for it. */
  management?: { ns: string, address: string }
}

const MAX_NODES_PER_SITE = 240
const MAX_BRANCHES = 250
const MANAGEMENT_ADDRESS = '10.3.255.1'

/** The namespaces, addresses and links of a spec, without touching the machine. */
export function planTestbed (spec: TopologySpec, prefix: string): Testbed {
  if (!Number.isInteger(spec.hqNodes) || spec.hqNodes < 1 || spec.hqNodes > MAX_NODES_PER_SITE) throw new RangeError(`hqNodes must be 1…${MAX_NODES_PER_SITE}`)
  if (!Number.isInteger(spec.branches) || spec.branches < 0 || spec.branches > MAX_BRANCHES) throw new RangeError(`branches must be 0…${MAX_BRANCHES}`)
  if (!Number.isInteger(spec.nodesPerBranch) || spec.nodesPerBranch < 0 || spec.nodesPerBranch > MAX_NODES_PER_SITE) throw new RangeError(`nodesPerBranch must be 0…${MAX_NODES_PER_SITE}`)
  const router = `${prefix}-r`
  const sites: Site[] = []
  const nodes: TestbedNode[] = []
  for (let s = 0; s <= spec.branches; s++) {
    const name = s === 0 ? 'hq' : `b${s}`
    const ns = `${prefix}-${name}`
    const site: Site = {
      name,
      index: s,
      ns,
      gateway: `10.1.${s}.1`,
      wan: [{ ns: router, dev: name, bitPerS: s === 0 ? undefined : spec.wanBitPerS }, { ns, dev: 'wan', bitPerS: s === 0 ? undefined : spec.wanBitPerS }]
    }
    sites.push(site)
    const count = s === 0 ? spec.hqNodes : spec.nodesPerBranch
    for (let k = 0; k < count; k++) {
      const nodeNs = `${prefix}-${name}-${k}`
      nodes.push({
        name: `${name}-${k}`,
        site,
        ns: nodeNs,
        ip: `10.1.${s}.${10 + k}`,
        role: s === 0 && k === 0 ? 'seed' : 'peer',
        link: [{ ns: nodeNs, dev: 'eth0', bitPerS: spec.nodeUpBitPerS }, { ns, dev: `n${k}`, bitPerS: spec.nodeDownBitPerS }],
        managementIp: `10.3.${s}.${10 + k}`
      })
    }
  }
  const management = spec.management === true ? { ns: `${prefix}-m`, address: MANAGEMENT_ADDRESS } : undefined
  return { prefix, spec, router, sites, nodes, seed: nodes[0] as TestbedNode, management }
}

/** A namespace that forwards (router, site) or not (node), with IPv6 off so that autoconfiguration chatter stays off the counters. */
async function addNamespace (ns: string, forward: boolean, signal?: AbortSignal): Promise<void> {
  await ip(['netns', 'add', ns], signal)
  await nsRun(ns, 'sh', ['-c', `echo ${forward ? 1 : 0} > /proc/sys/net/ipv4/ip_forward; for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done 2>/dev/null; ip link set lo up`], signal)
}

/**
 * A veth pair created straight into two namespaces, addressed. With `wireFrames`, the kernel cuts
 * every segmentation-offload batch into real frames before they cross (gso_max_segs 1), so the
 * link's counters and its shaping see what a real wire would.
 */
async function addVeth (a: VethEnd, b: VethEnd, wireFrames: boolean, signal?: AbortSignal): Promise<void> {
  await ip(['-n', a.ns, 'link', 'add', a.dev, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns], signal)
  for (const end of [a, b]) {
    if (end.cidr !== undefined) await ip(['-n', end.ns, 'addr', 'add', end.cidr, 'dev', end.dev], signal)
    if (wireFrames) await ip(['-n', end.ns, 'link', 'set', end.dev, 'gso_max_segs', '1'], signal)
  }
}

interface VethEnd { ns: string, dev: string, cidr?: string }

/**
 * Builds the testbed. Namespaces left by earlier runs whose process died are removed first; on any
 * failure, everything built so far is removed before the error is rethrown.
 */
export async function buildTestbed (spec: TopologySpec, signal?: AbortSignal): Promise<Testbed> {
  await removeStaleNamespaces(signal)
  const bed = planTestbed(spec, newRunPrefix())
  try {
    await addNamespace(bed.router, true, signal)
    for (const site of bed.sites) {
      await addNamespace(site.ns, true, signal)
      await ip(['-n', site.ns, 'link', 'add', 'br0', 'type', 'bridge'], signal)
      await ip(['-n', site.ns, 'addr', 'add', `${site.gateway}/24`, 'dev', 'br0'], signal)
      await ip(['-n', site.ns, 'link', 'set', 'br0', 'up'], signal)
      await addVeth({ ns: bed.router, dev: site.name, cidr: `10.2.${site.index}.1/30` }, { ns: site.ns, dev: 'wan', cidr: `10.2.${site.index}.2/30` }, true, signal)
      await ip(['-n', bed.router, 'link', 'set', site.name, 'up'], signal)
      await ip(['-n', site.ns, 'link', 'set', 'wan', 'up'], signal)
      await ip(['-n', bed.router, 'route', 'add', `10.1.${site.index}.0/24`, 'via', `10.2.${site.index}.2`], signal)
      await ip(['-n', site.ns, 'route', 'add', 'default', 'via', `10.2.${site.index}.1`], signal)
      for (const end of site.wan) if (end.bitPerS !== undefined) await shapeEgress(end, signal)
    }
    for (const node of bed.nodes) {
      const [up, down] = node.link
      await addNamespace(node.ns, false, signal)
      await addVeth({ ns: node.ns, dev: up.dev, cidr: `${node.ip}/24` }, { ns: down.ns, dev: down.dev }, false, signal)
      await ip(['-n', down.ns, 'link', 'set', down.dev, 'master', 'br0', 'up'], signal)
      await ip(['-n', node.ns, 'link', 'set', up.dev, 'up'], signal)
      await ip(['-n', node.ns, 'route', 'add', 'default', 'via', node.site.gateway], signal)
      for (const end of node.link) if (end.bitPerS !== undefined) await shapeEgress(end, signal)
    }
    if (bed.management !== undefined) await addManagementPlane(bed, bed.management, signal)
  } catch (err) {
    await destroyTestbed(bed)
    throw err
  }
  return bed
}

/**
 * One unnumbered point-to-point veth per node (`mgmt` in the node, `m<i>` in the management
 * namespace) with a host route each way: no bridge, so nothing a node sends there (mDNS
 * included) reaches another node, and no default route, so the nodes' own traffic never takes it.
 */
async function addManagementPlane (bed: Testbed, plane: { ns: string, address: string }, signal?: AbortSignal): Promise<void> {
  await addNamespace(plane.ns, false, signal)
  await ip(['-n', plane.ns, 'addr', 'add', `${plane.address}/32`, 'dev', 'lo'], signal)
  for (const [i, node] of bed.nodes.entries()) {
    const dev = `m${i}`
    await addVeth({ ns: node.ns, dev: 'mgmt', cidr: `${node.managementIp}/32` }, { ns: plane.ns, dev }, false, signal)
    await ip(['-n', node.ns, 'link', 'set', 'mgmt', 'up'], signal)
    await ip(['-n', plane.ns, 'link', 'set', dev, 'up'], signal)
    await ip(['-n', node.ns, 'route', 'add', `${plane.address}/32`, 'dev', 'mgmt'], signal)
    await ip(['-n', plane.ns, 'route', 'add', `${node.managementIp}/32`, 'dev', dev, 'src', plane.address], signal)
  }
}

/** Kills every process in the testbed's namespaces and deletes them; safe to call twice. */
export async function destroyTestbed (bed: Testbed): Promise<void> {
  // Nodes first: a site's namespace takes its bridge ports with it, but their processes must go before.
  await removeNamespaces([...bed.nodes.map(n => n.ns), ...bed.sites.map(s => s.ns), bed.router, ...(bed.management === undefined ? [] : [bed.management.ns])])
}

/** Builds the testbed, runs fn on it with a fresh process set, then stops every process and removes the testbed, whatever happens. */
export async function withTestbed<T> (spec: TopologySpec, signal: AbortSignal, fn: (bed: Testbed, processes: NamespaceProcesses) => Promise<T>): Promise<T> {
  const bed = await buildTestbed(spec, signal)
  const processes = new NamespaceProcesses()
  try {
    return await fn(bed, processes)
  } finally {
    await processes.stopAll()
    await destroyTestbed(bed)
  }
}

/** Last resort from a process 'exit' handler: removes every namespace this process made, synchronously. */
export function destroyAllSync (): void {
  removeNamespacesSync(PROCESS_PREFIX)
}
