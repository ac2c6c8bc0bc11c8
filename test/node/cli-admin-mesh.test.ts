import assert from 'node:assert/strict'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { readKeyFile } from '../../admin/keys.ts'
import { PASSPHRASE_ENV } from '../../node/cli/passphrase.ts'
import { parseMeshFile } from '../../protocol/mesh-file.ts'
import { runCliCaptured } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp.ts'
import type { TestContext } from 'node:test'

const PASSPHRASE = 'mesh change passphrase'

/** A 2-of-3 mesh made by "admin init" in a temp folder; the passphrase comes from the environment. */
async function meshFolder (t: TestContext): Promise<{ dir: string, meshFile: string, admins: string[] }> {
  process.env[PASSPHRASE_ENV] = PASSPHRASE
  t.after(() => { delete process.env[PASSPHRASE_ENV] })
  const dir = await tempDir(t)
  const init = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', join(dir, 'mesh'), '--admins', '3', '--threshold', '2', '--json'])
  assert.equal(init.code, 0, init.stderr)
  return { dir, meshFile: join(dir, 'mesh', 'mesh.xml'), admins: JSON.parse(init.stdout).admins.map((admin: { keyId: string }) => admin.keyId) }
}

test('every mesh and key command answers --help with its usage', async () => {
  for (const command of [['admin', 'key', 'new'], ['admin', 'mesh', 'propose'], ['admin', 'mesh', 'sign'], ['admin', 'mesh', 'show']]) {
    const { code, stdout } = await runCliCaptured([...command, '--help'])
    assert.equal(code, 0)
    assert.match(stdout, new RegExp(`^Usage: patchmesh ${command.join(' ')}`))
  }
})

test('admin key new writes an encrypted key of the role asked for and prints its id and public key', async (t) => {
  const { dir } = await meshFolder(t)
  const { code, stdout, stderr } = await runCliCaptured(['admin', 'key', 'new', '--role', 'admin', '--out', join(dir, 'new.key'), '--json'])
  assert.equal(code, 0, stderr)
  const printed = JSON.parse(stdout)
  const key = await readKeyFile(join(dir, 'new.key'), PASSPHRASE)
  assert.equal(key.role, 'admin')
  assert.equal(printed.keyId, key.keyId)
  assert.equal(printed.publicKey, Buffer.from(key.key.publicKey).toString('base64'))
  assert.equal((await stat(join(dir, 'new.key'))).mode & 0o777, 0o600)
})

test('admin key new refuses an unknown role and an existing file', async (t) => {
  const { dir } = await meshFolder(t)
  const role = await runCliCaptured(['admin', 'key', 'new', '--role', 'root', '--out', join(dir, 'x.key')])
  assert.equal(role.code, 2)
  assert.match(role.stderr, /--role is "root"; expected one of admin, catalog-signer/)
  const exists = await runCliCaptured(['admin', 'key', 'new', '--role', 'admin', '--out', join(dir, 'mesh', 'admin-1.key')])
  assert.equal(exists.code, 2)
  assert.match(exists.stderr, /already exists/)
})

test('admin mesh propose adds a key given as the public key "admin key new" printed, and writes version 2', async (t) => {
  const { dir, meshFile, admins } = await meshFolder(t)
  const made = await runCliCaptured(['admin', 'key', 'new', '--role', 'admin', '--out', join(dir, 'new.key'), '--json'])
  const { keyId, publicKey } = JSON.parse(made.stdout)
  const { code, stdout, stderr } = await runCliCaptured(['admin', 'mesh', 'propose', '--mesh', meshFile, '--add-admin', publicKey, '--remove-admin', admins[0] ?? '', '--out', join(dir, 'v2.xml')])
  assert.equal(code, 0, stderr)
  assert.match(stdout, new RegExp(`add admin key ${keyId}\\n  remove admin key ${admins[0] ?? ''}`))
  assert.match(stdout, /once 2 of the 3 current admins sign it/)
  const v2 = parseMeshFile(await readFile(join(dir, 'v2.xml')))
  assert.equal(v2.version, 2)
  assert.deepEqual(v2.admins.keys.map(key => key.id), [admins[1], admins[2], keyId])
})

test('admin mesh propose refuses nonsense with exit 2 and a clear message, and writes nothing', async (t) => {
  const { dir, meshFile, admins } = await meshFolder(t)
  const cases: Array<[string[], RegExp]> = [
    [['--threshold', '4'], /threshold 4 cannot be met by the 3 admin keys/],
    [['--remove-admin', admins[0] ?? '', '--remove-admin', admins[1] ?? '', '--remove-admin', admins[2] ?? ''], /removes every admin key/],
    [['--remove-admin', admins[0] ?? '', '--remove-admin', admins[1] ?? ''], /threshold 2 cannot be met by the 1 admin key .*give --threshold/],
    [['--remove-admin', 'nosuchkeyid'], /cannot remove admin key nosuchkeyid: mesh "acme" version 1 has no such admin key/],
    [['--add-admin', join(dir, 'mesh', 'catalog-signer.key')], /holds a catalog-signer key; expected an admin key/],
    [['--threshold', 'two'], /--threshold "two" is not a whole number/],
    [[], /changes nothing/]
  ]
  for (const [changes, message] of cases) {
    const { code, stderr } = await runCliCaptured(['admin', 'mesh', 'propose', '--mesh', meshFile, ...changes, '--out', join(dir, 'v2.xml')])
    assert.equal(code, 2, `${changes.join(' ')}: ${stderr}`)
    assert.match(stderr, message)
  }
  assert.deepEqual(await readdir(dir), ['mesh'])
  const noOut = await runCliCaptured(['admin', 'mesh', 'propose', '--mesh', meshFile, '--threshold', '1'])
  assert.equal(noOut.code, 2)
  assert.match(noOut.stderr, /--out NEW-MESH-FILE is required/)
})

test('admin mesh sign refuses a malformed mesh file, naming it, before asking for a passphrase or a node', async (t) => {
  const { dir } = await meshFolder(t)
  const { code, stderr } = await runCliCaptured(['admin', 'mesh', 'sign', join(dir, 'mesh', 'admin-1.key'), '--key', join(dir, 'mesh', 'admin-1.key'), '--data', join(dir, 'no-node')])
  assert.equal(code, 2)
  assert.match(stderr, /admin-1\.key/)
})
