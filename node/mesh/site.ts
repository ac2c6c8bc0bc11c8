import { networkInterfaces } from 'node:os'
import type { NetworkInterfaceInfo } from 'node:os'

/**
 * The site a node is in when it was given none: its LAN, named by the IPv4 network of its first
 * non-loopback interface (e.g. "lan-10.1.20.0/24"). Computers of one branch office share a LAN, so
 * they share a site without anyone configuring it; a node with no LAN address gets "".
 */
export function defaultSite (interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  const names = Object.keys(interfaces).sort()
  for (const name of names) {
    for (const address of interfaces[name] ?? []) {
      if (address.internal || address.family !== 'IPv4' || address.cidr == null) continue
      return `lan-${networkOf(address.address, address.netmask)}/${address.cidr.split('/')[1] ?? '32'}`
    }
  }
  return ''
}

function networkOf (address: string, netmask: string): string {
  const a = address.split('.').map(Number)
  const m = netmask.split('.').map(Number)
  return a.map((part, i) => part & (m[i] ?? 0)).join('.')
}
