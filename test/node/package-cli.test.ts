import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { test } from 'node:test'
import { getJson } from '../helpers/poll.ts'
import { startPackageNode } from '../helpers/package-node.ts'
import type { AddressInfo } from 'node:net'
import type { PackageNode } from '../helpers/package-node.ts'

const DEB = Buffer.from('pretend this is openssl_3.0.13-1_amd64.deb\n'.repeat(2000))

/** Writes the .deb for P-OPENSSL into the node's test folder. */
async function debFile (node: PackageNode): Promise<string> {
  const path = join(node.dir, 'openssl_3.0.13-1_amd64.deb')
  await writeFile(path, DEB)
  return path
}

/** create + add P-OPENSSL from a file; asserts both succeed. */
async function packageWithOpenssl (node: PackageNode, name = 'nov'): Promise<void> {
  const created = await node.cli(['admin', 'package', 'create', name])
  assert.equal(created.code, 0, created.stderr)
  const added = await node.cli(['admin', 'package', 'add', name, 'P-OPENSSL', '--file', await debFile(node)])
  assert.equal(added.code, 0, added.stderr)
}

/** How many copies of the test .deb the node's blob store holds. */
async function uploaded (node: PackageNode): Promise<number> {
  return (await getJson(`${node.url}/api/v1/blobs`)).body.blobs.filter((b: { size: number }) => b.size === DEB.length).length
}

async function packageJson (node: PackageNode, name = 'nov'): Promise<any> {
  return (await getJson(`${node.url}/api/v1/packages/${name}`)).body
}

test('admin required lists what the fleet misses, leaves superseded patches out, and says which package carries each', async (t) => {
  const node = await startPackageNode(t)
  const before = await node.cli(['admin', 'required', '--json'])
  assert.equal(before.code, 0, before.stderr)
  const patches = JSON.parse(before.stdout).patches
  assert.deepEqual(patches.map((p: { id: string }) => p.id), ['P-OPENSSL', 'P-CURL'], 'most severe first; P-CURL-OLD is superseded by P-CURL')
  assert.deepEqual(patches[0], { id: 'P-OPENSSL', bulletin: 'DSA-1', title: 'openssl security update', severity: 'critical', cves: ['CVE-2026-1001'], missing: 1, sites: { '': 1 }, packages: [], approved: false })
  await packageWithOpenssl(node)
  const after = JSON.parse((await node.cli(['admin', 'required', '--json'])).stdout).patches
  assert.deepEqual(after[0].packages, [{ name: 'nov', version: null, state: 'draft' }])
  const table = await node.cli(['admin', 'required'])
  assert.match(table.stdout, /^2 patches missing in the fleet, 0 carried by an approved package/)
  assert.match(table.stdout, /critical\s+P-OPENSSL\s+DSA-1\s+1\s+\(no site\) 1\s+nov draft\s+CVE-2026-1001/)
})

test('a package gets a patch with its installer kind\'s defaults, and the target and times that set gives it', async (t) => {
  const node = await startPackageNode(t)
  await packageWithOpenssl(node)
  const set = await node.cli(['admin', 'package', 'set', 'nov', '--sites', 'hq,branch-1', '--deadline', '3d', '--window', 'Sat 22:00-04:00', '--reboot-servers', 'yes', '--expires', '2027-06-01'])
  assert.equal(set.code, 0, set.stderr)
  const { draft } = await packageJson(node)
  assert.equal(draft.stage, 'editing')
  assert.deepEqual(draft.patches.map((p: { id: string, kind: string, command: string, file: string }) => [p.id, p.kind, p.command, p.file]), [['P-OPENSSL', 'deb', 'dpkg -i {file}', 'openssl_3.0.13-1_amd64.deb']])
  assert.deepEqual(draft.settings, {
    target: { sites: ['hq', 'branch-1'] }, deadline: { afterMs: 3 * 86_400_000 }, window: { days: ['Sat'], startMinute: 1320, endMinute: 240 }, rebootServers: true, expires: { at: '2027-06-01T00:00:00.000Z' }
  })
  const shown = await node.cli(['admin', 'package', 'show', 'nov'])
  assert.match(shown.stdout, /target: {5}sites hq, branch-1/)
  assert.match(shown.stdout, /deadline 3d after available, window Sat 22:00-04:00, servers may reboot, expires 2027-06-01T00:00:00.000Z/)
})

test('add --url downloads the file with a progress bar, resumes after the link drops, and checks --sha256', async (t) => {
  const node = await startPackageNode(t)
  let requests = 0
  const server = createServer((req, res) => {
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0)
    if (++requests === 1) {
      // Half the file, then the connection closes.
      res.writeHead(200, { 'content-length': DEB.length })
      res.write(DEB.subarray(0, DEB.length / 2), () => { res.socket?.end() })
    } else if (start === 0) {
      res.writeHead(200, { 'content-length': DEB.length }).end(DEB)
    } else {
      res.writeHead(206, { 'content-length': DEB.length - start, 'content-range': `bytes ${start}-${DEB.length - 1}/${DEB.length}` }).end(DEB.subarray(start))
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pool/openssl_3.0.13-1_amd64.deb`
  assert.equal((await node.cli(['admin', 'package', 'create', 'nov'])).code, 0)
  const sha256 = createHash('sha256').update(DEB).digest('hex')
  const added = await node.cli(['admin', 'package', 'add', 'nov', 'P-OPENSSL', '--url', url, '--sha256', sha256], { progress: true })
  assert.equal(added.code, 0, added.stderr)
  assert.equal(requests, 2)
  assert.match(added.stderr, /the link dropped; downloaded in 2 attempts/)
  assert.match(added.progress.at(-2) ?? '', /100%/)
  const { draft } = await packageJson(node)
  assert.equal(draft.patches[0].file, 'openssl_3.0.13-1_amd64.deb', 'the file name is the URL\'s last part')
  assert.equal(draft.patches[0].size, DEB.length)
})

test('add with a file whose sha256 is not the one given is refused, and the package is unchanged', async (t) => {
  const node = await startPackageNode(t)
  assert.equal((await node.cli(['admin', 'package', 'create', 'nov'])).code, 0)
  const added = await node.cli(['admin', 'package', 'add', 'nov', 'P-OPENSSL', '--file', await debFile(node), '--sha256', 'ab'.repeat(32)])
  assert.notEqual(added.code, 0)
  assert.match(added.stderr, /sha256 is [0-9a-f]{64}; expected (ab){32}/)
  assert.deepEqual((await packageJson(node)).draft.patches, [])
})

test('add of a patch the catalog does not list is refused before the file is uploaded', async (t) => {
  const node = await startPackageNode(t)
  assert.equal((await node.cli(['admin', 'package', 'create', 'nov'])).code, 0)
  const added = await node.cli(['admin', 'package', 'add', 'nov', 'P-NOPE', '--file', await debFile(node)])
  assert.equal(added.code, 2)
  assert.match(added.stderr, /patch P-NOPE is not in catalog test-catalog version 1/)
  assert.equal(await uploaded(node), 0)
})

test('add to a package that does not exist is refused before the file is uploaded', async (t) => {
  const node = await startPackageNode(t)
  const added = await node.cli(['admin', 'package', 'add', 'nope', 'P-OPENSSL', '--file', await debFile(node)])
  assert.equal(added.code, 2)
  assert.match(added.stderr, /no package named nope/)
  assert.equal(await uploaded(node), 0)
})

test('one admin\'s signature published is pending; a second admin\'s signature published makes it accepted', async (t) => {
  const node = await startPackageNode(t)
  await packageWithOpenssl(node)
  const [first, second] = node.keyFiles.admins as [string, string]
  const signed = await node.cli(['admin', 'package', 'sign', 'nov', '--key', first])
  assert.equal(signed.code, 0, signed.stderr)
  assert.match(signed.stdout, /Signed version 1 of nov with key \S+: 1 of 2 signatures \(\S+\) at this node/)
  assert.equal((await packageJson(node)).manifest, null, 'a signature stays at the node until published')
  const published = await node.cli(['admin', 'package', 'publish', 'nov'])
  assert.equal(published.code, 0, published.stderr)
  assert.match(published.stdout, /Version 1 of nov published, pending: 1 of 2 signatures/)
  assert.equal((await packageJson(node)).manifest.state, 'pending')
  assert.equal((await node.cli(['admin', 'package', 'sign', 'nov', '--key', second])).code, 0)
  const again = await node.cli(['admin', 'package', 'publish', 'nov'])
  assert.match(again.stdout, /Version 1 of nov published and accepted: 2 of 2 signatures/)
  const { manifest, draft } = await packageJson(node)
  assert.equal(manifest.state, 'accepted')
  assert.equal(manifest.signers.length, 2)
  assert.equal(draft.stage, 'published')
})

test('publish of a version nobody signed is refused and publishes nothing', async (t) => {
  const node = await startPackageNode(t)
  await packageWithOpenssl(node)
  const published = await node.cli(['admin', 'package', 'publish', 'nov'])
  assert.notEqual(published.code, 0)
  assert.match(published.stderr, /version 1 of nov has no signatures yet/)
  assert.equal((await packageJson(node)).manifest, null)
})

test('sign with a key the mesh file does not name is refused, naming the key', async (t) => {
  const node = await startPackageNode(t)
  await packageWithOpenssl(node)
  const signed = await node.cli(['admin', 'package', 'sign', 'nov', '--key', node.keyFiles.outsider])
  assert.equal(signed.code, 2)
  assert.match(signed.stderr, /key \S+ is not an admin key of mesh "acme"/)
  assert.ok(node.logs.some(line => line.msg === 'package signature refused'), 'the refusal is logged')
})

test('sign with a catalog-signer key is refused', async (t) => {
  const node = await startPackageNode(t)
  await packageWithOpenssl(node)
  const signed = await node.cli(['admin', 'package', 'sign', 'nov', '--key', node.keyFiles.signer])
  assert.equal(signed.code, 2)
  assert.match(signed.stderr, /packages are signed with admin keys/)
})

test('removing a published patch makes the next version retract it', async (t) => {
  const node = await startPackageNode(t)
  await packageWithOpenssl(node)
  for (const key of node.keyFiles.admins.slice(0, 2)) assert.equal((await node.cli(['admin', 'package', 'sign', 'nov', '--key', key])).code, 0)
  assert.equal((await node.cli(['admin', 'package', 'publish', 'nov'])).code, 0)
  const removed = await node.cli(['admin', 'package', 'remove', 'nov', 'P-OPENSSL'])
  assert.equal(removed.code, 0, removed.stderr)
  assert.match(removed.stdout, /Patch P-OPENSSL is retracted in the next version of nov/)
  for (const key of node.keyFiles.admins.slice(1, 3)) assert.equal((await node.cli(['admin', 'package', 'sign', 'nov', '--key', key])).code, 0)
  assert.equal((await node.cli(['admin', 'package', 'publish', 'nov'])).code, 0)
  const { manifest } = await packageJson(node)
  assert.equal(manifest.version, 2)
  assert.equal(manifest.state, 'accepted')
  assert.deepEqual(manifest.retracted, ['P-OPENSSL'])
  assert.deepEqual(manifest.patches, [])
})

test('every package command answers --help', async (t) => {
  const node = await startPackageNode(t)
  for (const command of ['create', 'add', 'set', 'remove', 'show', 'sign', 'publish']) {
    const help = await node.cli(['admin', 'package', command, '--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, new RegExp(`^Usage: patchmesh admin package ${command}`))
  }
  assert.match((await node.cli(['admin', 'required', '--help'])).stdout, /^Usage: patchmesh admin required/)
})
