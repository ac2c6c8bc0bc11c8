import { getNetConfig, isLinkLocal, isLoopback } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_STATUS_ADDRESSES } from '../../protocol/status-record.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

/** 0.0.0.0 and :: mean "every interface" when listening; nobody can dial them. */
const UNSPECIFIED_HOSTS = new Set(['0.0.0.0', '::'])

/**
 * The addresses a node puts in its status record, from what libp2p listens on (getMultiaddrs()
 * already expands /ip4/0.0.0.0 into the interfaces' addresses): without /p2p/ID, without wildcards
 * and IPv6 link-local addresses (useless without a zone), and without loopback unless the node
 * listens on nothing else (a one-machine mesh, where loopback is exactly what works). At most
 * MAX_STATUS_ADDRESSES, in the order given, each once.
 */
export function advertisedAddresses (listening: ReadonlyArray<string | Multiaddr>): string[] {
  const usable: Multiaddr[] = []
  const seen = new Set<string>()
  for (const address of listening) {
    const ma = withoutPeerId(address)
    if (ma === undefined || isUnspecified(ma) || isIp6LinkLocal(ma)) continue
    const text = ma.toString()
    if (seen.has(text)) continue
    seen.add(text)
    usable.push(ma)
  }
  const routable = usable.filter(ma => !isLoopback(ma))
  return (routable.length > 0 ? routable : usable).slice(0, MAX_STATUS_ADDRESSES).map(ma => ma.toString())
}

export interface DialableOptions {
  /** The record comes from this computer (its host name is ours): its loopback addresses reach it. */
  sameHost: boolean
}

/**
 * The addresses from another node's status record that this node may dial: wildcards never,
 * loopback only when the record comes from this computer, IPv6 link-local never.
 */
export function dialableAddresses (addresses: readonly string[], options: DialableOptions): Multiaddr[] {
  const dialable: Multiaddr[] = []
  for (const address of addresses) {
    const ma = withoutPeerId(address)
    if (ma === undefined || isUnspecified(ma) || isIp6LinkLocal(ma)) continue
    if (!options.sameHost && isLoopback(ma)) continue
    dialable.push(ma)
  }
  return dialable
}

/** The address without a trailing /p2p/ID (the peer store keys addresses by peer already); undefined when it does not parse. */
function withoutPeerId (address: string | Multiaddr): Multiaddr | undefined {
  try {
    const ma = typeof address === 'string' ? multiaddr(address) : address
    const components = ma.getComponents()
    return components.at(-1)?.name === 'p2p' ? multiaddr(components.slice(0, -1)) : ma
  } catch {
    return undefined
  }
}

function isUnspecified (ma: Multiaddr): boolean {
  try {
    const config = getNetConfig(ma)
    return (config.type === 'ip4' || config.type === 'ip6') && UNSPECIFIED_HOSTS.has(config.host)
  } catch {
    return false
  }
}

function isIp6LinkLocal (ma: Multiaddr): boolean {
  return isLinkLocal(ma) && ma.getComponents()[0]?.name === 'ip6'
}
