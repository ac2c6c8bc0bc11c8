import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { readKeyFile } from '../../admin/keys.ts'
import { PASSPHRASE_ENV } from '../../node/cli/passphrase.ts'
import { encodeAdminMessage } from '../../protocol/admin-message.ts'
import { parseMeshFile, serializeMeshFile } from '../../protocol/mesh-file.ts'
import { sampleManifest, signedManifest } from '../helpers/admin-documents.ts'
import { runCliCaptured } from '../helpers/cli.ts'
import { postControl, restartNodeProcess, startMeshProcesses } from '../helpers/node-processes.ts'
import { getJson, pollUntil } from '../helpers/poll.ts'
import { tempDir } from '../helpers/temp.ts'
import type { NodeProcess } from '../helpers/node-processes.ts'
import type { MeshView } from '../../node/http/mesh-api.ts'
import type { SigningKey } from '../../protocol/signatures.ts'

const PASSPHRASE = 'rotation passphrase'
const SPREAD_TIMEOUT_MS = 30_000

async function meshAt (node: NodeProcess): Promise<MeshView> {
  return (await getJson(`${node.url}/api/v1/mesh`)).body as MeshView
}

/** Waits until every node's GET /api/v1/mesh satisfies `check`. */
async function untilEveryNode (nodes: NodeProcess[], what: string, check: (view: MeshView) => boolean): Promise<void> {
  for (const node of nodes) await pollUntil(async () => check(await meshAt(node)) ? true : undefined, `${node.url} to show ${what}`, SPREAD_TIMEOUT_MS)
}

async function refusals (node: NodeProcess): Promise<Array<{ kind: string, reason: string, name?: string }>> {
  return (await getJson(`${node.url}/api/v1/admin-documents`)).body.refusals
}

/** A package manifest signed by `keys`, posted to the node's control interface. */
async function postManifest (node: NodeProcess, name: string, keys: SigningKey[]): Promise<{ status: number, body: any }> {
  return await postControl(node, '/api/v1/control/admin-documents', encodeAdminMessage({ kind: 'package-manifest', document: signedManifest(sampleManifest({ name }), keys) }))
}

test('mesh-file rotation across three node processes: 2 of 3 admins remove admin 3', async (t) => {
  process.env[PASSPHRASE_ENV] = PASSPHRASE
  t.after(() => { delete process.env[PASSPHRASE_ENV] })
  const dir = await tempDir(t)
  const init = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', join(dir, 'mesh'), '--admins', '3', '--threshold', '2', '--json'])
  assert.equal(init.code, 0, init.stderr)
  const admins: Array<{ path: string, keyId: string }> = JSON.parse(init.stdout).admins
  const keys = await Promise.all(admins.map(async admin => (await readKeyFile(admin.path, PASSPHRASE)).key))
  const nodes = await startMeshProcesses(t, dir, join(dir, 'mesh', 'mesh.xml'), 3)
  const sign = async (file: string, admin: number, node: NodeProcess): Promise<{ code: number, stdout: string, stderr: string }> =>
    await runCliCaptured(['admin', 'mesh', 'sign', file, '--key', admins[admin]?.path ?? '', '--data', node.data, '--json'])

  await t.test('propose writes version 2 without admin 3 and keeps the threshold at 2', async () => {
    const proposed = await runCliCaptured(['admin', 'mesh', 'propose', '--mesh', join(dir, 'mesh', 'mesh.xml'), '--remove-admin', admins[2]?.keyId ?? '', '--out', join(dir, 'v2.xml'), '--json'])
    assert.equal(proposed.code, 0, proposed.stderr)
    assert.deepEqual(JSON.parse(proposed.stdout).changes, [{ change: 'remove-admin', keyId: admins[2]?.keyId }])
    const v2 = parseMeshFile(await readFile(join(dir, 'v2.xml')))
    assert.equal(v2.version, 2)
    assert.equal(v2.admins.threshold, 2)
    assert.deepEqual(v2.admins.keys.map(key => key.id), [admins[0]?.keyId, admins[1]?.keyId])
  })

  await t.test('signed by admin 1 at node A, the update is pending at every node and version 1 stays in force', async () => {
    const signed = await sign(join(dir, 'v2.xml'), 0, nodes[0] as NodeProcess)
    assert.equal(signed.code, 0, signed.stderr)
    const result = JSON.parse(signed.stdout)
    assert.equal(result.state, 'pending')
    assert.deepEqual(result.signers, [admins[0]?.keyId])
    assert.equal(result.needed, 2)
    await untilEveryNode(nodes, 'version 2 pending with 1 signature', view => view.mesh?.version === 1 && view.pending?.version === 2 && view.pending.signers.length === 1)
  })

  await t.test('signed by admin 2 at node B, version 2 is in force at every node, without admin 3', async () => {
    const signed = await sign(join(dir, 'v2.xml'), 1, nodes[1] as NodeProcess)
    assert.equal(signed.code, 0, signed.stderr)
    assert.equal(JSON.parse(signed.stdout).state, 'accepted')
    await untilEveryNode(nodes, 'version 2 in force', view => view.mesh?.version === 2 && view.pending == null)
    for (const node of nodes) {
      const { mesh } = await meshAt(node)
      assert.deepEqual(mesh?.admins.map(key => key.id), [admins[0]?.keyId, admins[1]?.keyId])
      assert.equal(mesh?.threshold, 2)
    }
    const shown = await runCliCaptured(['admin', 'mesh', 'show', '--data', nodes[2]?.data ?? ''])
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /version 2 .*in force/)
    assert.doesNotMatch(shown.stdout, new RegExp(admins[2]?.keyId ?? ''))
  })

  await t.test('a package manifest signed only by the removed admin is refused as untrusted, and the refusal is listed', async () => {
    const node = nodes[2] as NodeProcess
    const { status, body } = await postManifest(node, 'signed-by-admin-3', [keys[2] as SigningKey])
    assert.equal(status, 422)
    assert.equal(body.error.code, 'ERR_UNTRUSTED')
    const [latest] = await refusals(node)
    assert.equal(latest?.kind, 'package-manifest')
    assert.equal(latest?.reason, 'untrusted')
  })

  await t.test('the removed admin\'s signature does not count toward the threshold: with admin 1 the manifest stays pending', async () => {
    const node = nodes[0] as NodeProcess
    const { status, body } = await postManifest(node, 'signed-by-admins-1-and-3', [keys[0] as SigningKey, keys[2] as SigningKey])
    assert.equal(status, 201, JSON.stringify(body))
    assert.equal(body.outcome.status, 'pending')
    const { documents } = (await getJson(`${node.url}/api/v1/admin-documents`)).body
    const held = documents.find((doc: { name: string }) => doc.name === 'signed-by-admins-1-and-3')
    assert.equal(held?.state, 'pending')
    assert.equal(held?.signatures, 1)
  })

  await t.test('the removed admin can no longer sign a mesh update', async () => {
    const proposed = await runCliCaptured(['admin', 'mesh', 'propose', '--mesh', join(dir, 'v2.xml'), '--threshold', '1', '--out', join(dir, 'v3-by-admin-3.xml')])
    assert.equal(proposed.code, 0, proposed.stderr)
    const signed = await sign(join(dir, 'v3-by-admin-3.xml'), 2, nodes[0] as NodeProcess)
    assert.equal(signed.code, 2)
    assert.match(signed.stderr, /no signature by a key the mesh file names/)
    assert.equal((await refusals(nodes[0] as NodeProcess))[0]?.reason, 'untrusted')
    assert.equal((await meshAt(nodes[0] as NodeProcess)).pending, null)
  })

  await t.test('an update with another mesh\'s name is refused as wrong-mesh', async () => {
    const other = { ...parseMeshFile(await readFile(join(dir, 'v2.xml'))), name: 'other', version: 3 }
    await writeFile(join(dir, 'other.xml'), serializeMeshFile(other))
    const signed = await sign(join(dir, 'other.xml'), 0, nodes[1] as NodeProcess)
    assert.equal(signed.code, 2)
    assert.match(signed.stderr, /signed for mesh "other"/)
    assert.equal((await refusals(nodes[1] as NodeProcess))[0]?.reason, 'wrong-mesh')
    assert.equal((await meshAt(nodes[1] as NodeProcess)).mesh?.version, 2)
  })

  await t.test('a replayed older mesh version is refused as a rollback and the version in force does not change', async () => {
    for (const admin of [0, 1]) {
      const signed = await sign(join(dir, 'mesh', 'mesh.xml'), admin, nodes[1] as NodeProcess)
      assert.equal(signed.code, 2)
      assert.match(signed.stderr, /version 1 is older than the held 2/)
    }
    const view = await meshAt(nodes[1] as NodeProcess)
    assert.equal(view.mesh?.version, 2)
    assert.equal(view.mesh?.admins.length, 2)
  })

  await t.test('an update signed by only one admin stays pending, and after a restart version 2 is still in force with it pending', async () => {
    const proposed = await runCliCaptured(['admin', 'mesh', 'propose', '--mesh', join(dir, 'v2.xml'), '--remove-admin', admins[1]?.keyId ?? '', '--threshold', '1', '--out', join(dir, 'v3.xml')])
    assert.equal(proposed.code, 0, proposed.stderr)
    const signed = await sign(join(dir, 'v3.xml'), 0, nodes[2] as NodeProcess)
    assert.equal(signed.code, 0, signed.stderr)
    assert.equal(JSON.parse(signed.stdout).state, 'pending')
    await untilEveryNode(nodes, 'version 3 pending over version 2', view => view.mesh?.version === 2 && view.pending?.version === 3)

    // The node starts again from the original mesh file (version 1): its database carries the rotation.
    const restarted = await restartNodeProcess(t, nodes[0] as NodeProcess)
    nodes[0] = restarted
    const view = await meshAt(restarted)
    assert.equal(view.mesh?.version, 2)
    assert.deepEqual(view.mesh?.admins.map(key => key.id), [admins[0]?.keyId, admins[1]?.keyId])
    assert.equal(view.pending?.version, 3)
    assert.deepEqual(view.pending?.signers, [admins[0]?.keyId])
    const { status } = await postManifest(restarted, 'signed-by-admin-3-after-restart', [keys[2] as SigningKey])
    assert.equal(status, 422)
    assert.equal((await refusals(restarted))[0]?.reason, 'untrusted')
  })
})
