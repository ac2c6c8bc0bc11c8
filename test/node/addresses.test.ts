import { test } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { advertisedAddresses, dialableAddresses } from '../../node/mesh/addresses.ts'
import { MAX_STATUS_ADDRESSES } from '../../protocol/status-record.ts'

const ID = '12D3KooWHmdBiM1RPtYj53RLfQxQi9wcqXzvjH9P5CpXdaXbiYmR'
const texts = (addresses: Array<{ toString: () => string }>): string[] => addresses.map(a => a.toString())

test('a node advertises its interface addresses without /p2p/ID, wildcards, loopback or IPv6 link-local', () => {
  const listening = [
    `/ip4/127.0.0.1/tcp/4001/p2p/${ID}`, `/ip4/10.1.20.7/tcp/4001/p2p/${ID}`, '/ip4/0.0.0.0/tcp/4001',
    `/ip6/::1/tcp/4001/p2p/${ID}`, `/ip6/fe80::1/tcp/4001/p2p/${ID}`, `/ip6/2001:db8::7/tcp/4001/p2p/${ID}`, '/ip6/::/tcp/4001'
  ]
  assert.deepEqual(advertisedAddresses(listening), ['/ip4/10.1.20.7/tcp/4001', '/ip6/2001:db8::7/tcp/4001'])
  assert.deepEqual(advertisedAddresses(listening.map(a => multiaddr(a))), ['/ip4/10.1.20.7/tcp/4001', '/ip6/2001:db8::7/tcp/4001'])
})

test('a node that listens on loopback only advertises loopback: a one-machine mesh dials exactly that', () => {
  assert.deepEqual(advertisedAddresses([`/ip4/127.0.0.1/tcp/4001/p2p/${ID}`, '/ip4/127.0.0.1/tcp/4001']), ['/ip4/127.0.0.1/tcp/4001'])
})

test('a node advertises at most the record\'s limit of addresses, and none when it listens nowhere', () => {
  const many = Array.from({ length: MAX_STATUS_ADDRESSES + 4 }, (_, i) => `/ip4/10.1.20.${i + 1}/tcp/4001`)
  assert.deepEqual(advertisedAddresses(many), many.slice(0, MAX_STATUS_ADDRESSES))
  assert.deepEqual(advertisedAddresses([]), [])
  assert.deepEqual(advertisedAddresses(['/ip4/0.0.0.0/tcp/4001', 'not a multiaddr']), [])
})

test('loopback addresses of another host are not dialled; of this host they are', () => {
  const addresses = ['/ip4/127.0.0.1/tcp/4001', '/ip4/192.0.2.10/tcp/4001', '/ip6/::1/tcp/4001', '/ip4/0.0.0.0/tcp/4001', '/ip6/fe80::1/tcp/4001']
  assert.deepEqual(texts(dialableAddresses(addresses, { sameHost: false })), ['/ip4/192.0.2.10/tcp/4001'])
  assert.deepEqual(texts(dialableAddresses(addresses, { sameHost: true })), ['/ip4/127.0.0.1/tcp/4001', '/ip4/192.0.2.10/tcp/4001', '/ip6/::1/tcp/4001'])
})

test('a record\'s own /p2p/ID is taken off: the peer store keys addresses by peer already', () => {
  assert.deepEqual(texts(dialableAddresses([`/ip4/192.0.2.10/tcp/4001/p2p/${ID}`], { sameHost: false })), ['/ip4/192.0.2.10/tcp/4001'])
})
