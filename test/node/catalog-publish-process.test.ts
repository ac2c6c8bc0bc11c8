import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { smallCatalog, writeScanInputs } from '../helpers/fixtures.ts'
import { runCliCaptured } from '../helpers/cli.ts'
import { getJson, pollUntil } from '../helpers/poll.ts'
import { spawnCli, waitForNodeUrl } from '../helpers/process.ts'
import { tempDir } from '../helpers/temp.ts'
import type { TestContext } from 'node:test'

const PASSPHRASE = 'correct horse battery staple'

interface NodeUnderTest { url: string, data: string }

/** A mesh (keys in dir/mesh) and three node processes holding catalog version 1. */
async function threeNodeMesh (t: TestContext, dir: string, firstNodeArgs: string[] = []): Promise<NodeUnderTest[]> {
  process.env.PATCHMESH_PASSPHRASE = PASSPHRASE
  t.after(() => { delete process.env.PATCHMESH_PASSPHRASE })
  const init = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', join(dir, 'mesh')])
  assert.equal(init.code, 0, init.stderr)
  const nodes: NodeUnderTest[] = []
  let bootstrap: string[] = []
  for (const i of [0, 1, 2]) {
    const inputs = await writeScanInputs(await tempDir(t), { openssl: '3.0.11-1' })
    const data = join(dir, `node-${i}`)
    // The catalog-sync node starts after admin init wrote its key.
    const proc = spawnCli(t, ['node', 'start', '--data', data, '--mesh', join(dir, 'mesh', 'mesh.xml'), '--http', '127.0.0.1:0',
      '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', ...bootstrap.flatMap(a => ['--bootstrap', a]),
      '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease, ...(i === 0 ? firstNodeArgs : [])])
    const url = await waitForNodeUrl(data, proc)
    nodes.push({ url, data })
    if (i === 0) bootstrap = (await getJson(`${url}/api/v1/node`)).body.addresses
  }
  return nodes
}

async function catalogVersion (node: NodeUnderTest): Promise<number | undefined> {
  return (await getJson(`${node.url}/api/v1/node`)).body.catalog?.version
}

test('a catalog published at one node reaches every node, which verify it, store it and rescan', async (t) => {
  const dir = await tempDir(t)
  const nodes = await threeNodeMesh(t, dir)
  const file = join(dir, 'catalog-v2.xml')
  await writeFile(file, smallCatalog(2))
  const published = await runCliCaptured(['admin', 'catalog', 'publish', file, '--key', join(dir, 'mesh', 'catalog-signer.key'), '--data', nodes[1]?.data ?? '', '--json'])
  assert.equal(published.code, 0, published.stderr)
  assert.equal(JSON.parse(published.stdout).outcome.status, 'accepted')
  for (const node of nodes) {
    await pollUntil(async () => await catalogVersion(node) === 2 ? true : undefined, `${node.url} to hold catalog version 2`, 30_000)
    // Each node passes the catalog on first: its rescan waits out the status hold (5 s, longer than this spread takes).
    const { history } = (await getJson(`${node.url}/api/v1/scans`)).body
    assert.deepEqual(history.filter((scan: { trigger: string }) => scan.trigger === 'catalog'), [], `${node.url} rescanned at once`)
  }
  for (const node of nodes) {
    // The rescan after the new catalog is what every fleet view then shows for this computer.
    await pollUntil(async () => {
      const { computers } = (await getJson(`${node.url}/api/v1/computers`)).body
      return computers.every((c: { catalog: { version: number } | null }) => c.catalog?.version === 2) && computers.length === 3 ? true : undefined
    }, `${node.url} to see every computer scanned with version 2`, 30_000)
  }

  const again = await runCliCaptured(['admin', 'catalog', 'publish', file, '--key', join(dir, 'mesh', 'catalog-signer.key'), '--data', nodes[0]?.data ?? ''])
  assert.equal(again.code, 2, 'the same version again is refused as not newer')
  assert.match(again.stderr, /not newer than the one held/)
})

test('a catalog signed by a key the mesh file does not name is refused, and the refusal is visible in the API', async (t) => {
  const dir = await tempDir(t)
  const nodes = await threeNodeMesh(t, dir)
  const other = await runCliCaptured(['admin', 'init', '--mesh-name', 'other', '--out', join(dir, 'other')])
  assert.equal(other.code, 0, other.stderr)
  const file = join(dir, 'catalog-v2.xml')
  await writeFile(file, smallCatalog(2))
  const published = await runCliCaptured(['admin', 'catalog', 'publish', file, '--key', join(dir, 'other', 'catalog-signer.key'), '--data', nodes[0]?.data ?? ''])
  assert.equal(published.code, 2)
  assert.match(published.stderr, /no signature by a key the mesh file names/)
  const { refusals } = (await getJson(`${nodes[0]?.url ?? ''}/api/v1/admin-documents`)).body
  assert.equal(refusals[0]?.reason, 'unknown-signer')
  assert.equal(await catalogVersion(nodes[0] as NodeUnderTest), 1)
})

test('an admin key cannot sign a catalog', async (t) => {
  const dir = await tempDir(t)
  const nodes = await threeNodeMesh(t, dir)
  const file = join(dir, 'catalog-v2.xml')
  await writeFile(file, smallCatalog(2))
  const published = await runCliCaptured(['admin', 'catalog', 'publish', file, '--key', join(dir, 'mesh', 'admin-1.key'), '--data', nodes[0]?.data ?? ''])
  assert.equal(published.code, 2)
  assert.match(published.stderr, /catalog-signer key/)
})

test('a node with a catalog source publishes each newer catalog it finds there, and every node takes it', async (t) => {
  const dir = await tempDir(t)
  const source = join(dir, 'source')
  await mkdir(source)
  await writeFile(join(source, 'catalog.xml'), smallCatalog(2))
  const nodes = await threeNodeMesh(t, dir, ['--catalog-source', source, '--catalog-signer-key', join(dir, 'mesh', 'catalog-signer.key'), '--catalog-interval', '500ms'])
  for (const node of nodes) await pollUntil(async () => await catalogVersion(node) === 2 ? true : undefined, `${node.url} to hold catalog version 2`, 30_000)
  await writeFile(join(source, 'catalog.xml'), smallCatalog(3))
  for (const node of nodes) await pollUntil(async () => await catalogVersion(node) === 3 ? true : undefined, `${node.url} to hold catalog version 3`, 30_000)
})
