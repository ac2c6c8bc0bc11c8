import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { CONTROL_TOKEN_FILE, readControlToken } from '../../node/http/control-token.ts'
import { sampleManifest, signedManifest } from '../helpers/admin-documents.ts'
import { startPackageNode } from '../helpers/package-node.ts'
import { getJson } from '../helpers/poll.ts'
import type { PackageNode } from '../helpers/package-node.ts'

async function control (node: PackageNode, method: string, path: string, body?: unknown, token?: string): Promise<{ status: number, body: any }> {
  const headers = { authorization: `Bearer ${token ?? await readControlToken(join(node.data, CONTROL_TOKEN_FILE))}`, 'content-type': 'application/json' }
  const res = await fetch(`${node.url}${path}`, { method, headers, body: body == null ? undefined : JSON.stringify(body) })
  return { status: res.status, body: await res.json() }
}

test('GET /api/v1/packages lists drafts and the manifests the node holds, with their standing', async (t) => {
  const node = await startPackageNode(t)
  assert.equal((await control(node, 'POST', '/api/v1/control/packages', { name: 'nov' })).status, 201)
  const held = sampleManifest({ created: new Date(Date.now() - 60_000).toISOString(), expires: undefined })
  assert.equal((await node.offer(signedManifest(held, node.admins.slice(0, 1)))).status, 201)
  const { body } = await getJson(`${node.url}/api/v1/packages`)
  // A manifest from the mesh is a draft here too, already published, so an admin here can change or sign it.
  assert.deepEqual(body.packages.map((p: any) => [p.name, p.draft?.stage, p.manifest?.state ?? null, p.needed]), [
    ['nov', 'editing', null, 2],
    ['november-security', 'published', 'pending', 2]
  ])
})

test('GET /api/v1/packages/NAME of a name the node does not know is 404 ERR_NOT_FOUND', async (t) => {
  const node = await startPackageNode(t)
  const { status, body } = await getJson(`${node.url}/api/v1/packages/nothing`)
  assert.equal(status, 404)
  assert.equal(body.error.code, 'ERR_NOT_FOUND')
})

test('creating a package of a name that exists is 409 ERR_PACKAGE_EXISTS', async (t) => {
  const node = await startPackageNode(t)
  await control(node, 'POST', '/api/v1/control/packages', { name: 'nov' })
  const again = await control(node, 'POST', '/api/v1/control/packages', { name: 'nov' })
  assert.equal(again.status, 409)
  assert.equal(again.body.error.code, 'ERR_PACKAGE_EXISTS')
})

test('a change to a package the node does not know is 422 ERR_NO_SUCH_PACKAGE', async (t) => {
  const node = await startPackageNode(t)
  const { status, body } = await control(node, 'POST', '/api/v1/control/packages/nothing/settings', { rebootServers: true })
  assert.equal(status, 422)
  assert.equal(body.error.code, 'ERR_NO_SUCH_PACKAGE')
})

test('a settings body with a field of the wrong type is refused naming the field', async (t) => {
  const node = await startPackageNode(t)
  await control(node, 'POST', '/api/v1/control/packages', { name: 'nov' })
  const { status, body } = await control(node, 'POST', '/api/v1/control/packages/nov/settings', { deadline: { afterMs: 'soon' } })
  assert.equal(status, 422)
  assert.equal(body.error.code, 'ERR_BAD_SETTING')
  assert.match(body.error.message, /field "deadline.afterMs" must be a whole number/)
})

test('the package control routes refuse a request without the control token', async (t) => {
  const node = await startPackageNode(t)
  const { status, body } = await control(node, 'POST', '/api/v1/control/packages', { name: 'nov' }, 'f'.repeat(64))
  assert.equal(status, 403)
  assert.equal(body.error.code, 'ERR_FORBIDDEN')
  assert.equal((await getJson(`${node.url}/api/v1/packages`)).body.packages.length, 0)
})
