import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readKeyFile } from '../../admin/keys.ts'
import { PASSPHRASE_ENV } from '../../node/cli/passphrase.ts'
import { parseMeshFile } from '../../protocol/mesh-file.ts'
import { runCliCaptured } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp.ts'
import type { TestContext } from 'node:test'

const PASSPHRASE = 'mesh admin passphrase'
const BOOTSTRAP = '/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWGzh5ewybsMdU1JDA3Cs9hjYKo6tuRmt5UygL6zwFv4oE'

/** A temp folder holding a passphrase file; returns both and the --out folder inside it. */
async function setup (t: TestContext): Promise<{ root: string, out: string, passphraseFile: string }> {
  const root = await tempDir(t)
  const passphraseFile = join(root, 'passphrase')
  await writeFile(passphraseFile, `${PASSPHRASE}\n`, { mode: 0o600 })
  return { root, out: join(root, 'mesh'), passphraseFile }
}

/** Every file under `dir` with its content and modification time, to show nothing changed. */
async function snapshot (dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {}
  for (const name of (await readdir(dir)).sort()) {
    files[name] = `${(await stat(join(dir, name))).mtimeMs} ${await readFile(join(dir, name), 'utf8')}`
  }
  return files
}

async function exists (path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false)
}

describe('patchmesh admin init', () => {
  it('--json writes N admin keys, a catalog-signer key and a mesh file naming them, and prints them', async (t) => {
    const { out, passphraseFile } = await setup(t)
    const { code, stdout, stderr } = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', out, '--admins', '3', '--threshold', '2',
      '--bootstrap', BOOTSTRAP, '--passphrase-file', passphraseFile, '--json'])
    assert.equal(code, 0, stderr)
    const printed = JSON.parse(stdout)
    assert.deepEqual((await readdir(out)).sort(), ['admin-1.key', 'admin-2.key', 'admin-3.key', 'catalog-signer.key', 'mesh.xml'])
    assert.equal(printed.meshFile, join(out, 'mesh.xml'))
    assert.equal(printed.threshold, 2)
    assert.deepEqual(printed.admins.map((key: { path: string }) => key.path), [1, 2, 3].map(i => join(out, `admin-${i}.key`)))
    assert.equal(printed.catalogSigner.path, join(out, 'catalog-signer.key'))

    const mesh = parseMeshFile(await readFile(join(out, 'mesh.xml')), { source: 'mesh.xml' })
    assert.equal(mesh.name, 'acme')
    assert.equal(mesh.version, 1)
    assert.equal(mesh.admins.threshold, 2)
    assert.deepEqual(mesh.admins.keys.map(key => key.id), printed.admins.map((key: { keyId: string }) => key.keyId))
    assert.deepEqual(mesh.catalogSigners.map(key => key.id), [printed.catalogSigner.keyId])
    assert.deepEqual(mesh.bootstrap, [BOOTSTRAP])
  })

  it('writes keys that open with the passphrase and match the mesh file, readable by their owner only', async (t) => {
    const { out, passphraseFile } = await setup(t)
    assert.equal((await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', out, '--passphrase-file', passphraseFile])).code, 0)
    const mesh = parseMeshFile(await readFile(join(out, 'mesh.xml')))
    const admin = await readKeyFile(join(out, 'admin-1.key'), PASSPHRASE)
    const signer = await readKeyFile(join(out, 'catalog-signer.key'), PASSPHRASE)
    assert.equal(admin.role, 'admin')
    assert.equal(signer.role, 'catalog-signer')
    assert.deepEqual(mesh.admins.keys, [{ id: admin.keyId, publicKey: admin.key.publicKey }])
    assert.deepEqual(mesh.catalogSigners, [{ id: signer.keyId, publicKey: signer.key.publicKey }])
    for (const name of ['admin-1.key', 'catalog-signer.key']) assert.equal((await stat(join(out, name))).mode & 0o777, 0o600, name)
    assert.equal((await stat(out)).mode & 0o777, 0o700)
  })

  it('prints the paths, key ids and threshold as text without --json', async (t) => {
    const { out, passphraseFile } = await setup(t)
    const { code, stdout } = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', out, '--admins', '2', '--passphrase-file', passphraseFile])
    assert.equal(code, 0)
    assert.match(stdout, /^Created mesh "acme": packages need 1 of 2 admin signatures/)
    const mesh = parseMeshFile(await readFile(join(out, 'mesh.xml')))
    for (const key of [...mesh.admins.keys, ...mesh.catalogSigners]) assert.ok(stdout.includes(key.id), `prints key id ${key.id}`)
    for (const name of ['admin-1.key', 'admin-2.key', 'catalog-signer.key', 'mesh.xml']) assert.ok(stdout.includes(join(out, name)), `prints ${name}`)
  })

  it(`takes the passphrase from ${PASSPHRASE_ENV}`, async (t) => {
    const { out } = await setup(t)
    process.env[PASSPHRASE_ENV] = 'from the environment'
    t.after(() => { delete process.env[PASSPHRASE_ENV] })
    assert.equal((await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', out])).code, 0)
    assert.equal((await readKeyFile(join(out, 'admin-1.key'), 'from the environment')).role, 'admin')
  })

  it('a second init into the same folder exits 2 and leaves every file unchanged', async (t) => {
    const { out, passphraseFile } = await setup(t)
    assert.equal((await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', out, '--passphrase-file', passphraseFile])).code, 0)
    const before = await snapshot(out)
    const { code, stdout, stderr } = await runCliCaptured(['admin', 'init', '--mesh-name', 'other', '--out', out, '--admins', '2', '--passphrase-file', passphraseFile])
    assert.equal(code, 2)
    assert.equal(stdout, '')
    assert.match(stderr, /mesh\.xml already exists; refusing to overwrite/)
    assert.deepEqual(await snapshot(out), before)
  })

  it('refuses a folder already holding a key file it would write, and writes nothing', async (t) => {
    const { out, passphraseFile } = await setup(t)
    await mkdir(out)
    await writeFile(join(out, 'catalog-signer.key'), 'precious')
    const before = await snapshot(out)
    const { code, stderr } = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', out, '--passphrase-file', passphraseFile])
    assert.equal(code, 2)
    assert.match(stderr, /catalog-signer\.key already exists/)
    assert.deepEqual(await snapshot(out), before)
  })

  it('writes into an existing folder that holds other files', async (t) => {
    const { root, passphraseFile } = await setup(t)
    const { code } = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', root, '--passphrase-file', passphraseFile])
    assert.equal(code, 0)
    assert.deepEqual((await readdir(root)).sort(), ['admin-1.key', 'catalog-signer.key', 'mesh.xml', 'passphrase'])
  })

  it('without a passphrase file, variable or terminal exits 2 saying how to give one, and writes nothing', async (t) => {
    const { out } = await setup(t)
    const saved = process.env[PASSPHRASE_ENV]
    delete process.env[PASSPHRASE_ENV]
    t.after(() => { if (saved !== undefined) process.env[PASSPHRASE_ENV] = saved })
    const { code, stderr } = await runCliCaptured(['admin', 'init', '--mesh-name', 'acme', '--out', out])
    assert.equal(code, 2)
    assert.match(stderr, /no passphrase.*--passphrase-file FILE.*PATCHMESH_PASSPHRASE/)
    assert.equal(await exists(out), false)
  })

  const badUsage: Record<string, [string[], RegExp]> = {
    'a threshold above the number of admins': [['--admins', '2', '--threshold', '3'], /--threshold "3" is not an integer from 1 to 2/],
    'threshold 0': [['--threshold', '0'], /--threshold "0"/],
    'a mesh name with capitals': [['--mesh-name', 'Acme'], /--mesh-name "Acme" is not a mesh name/],
    'a bootstrap address that is not a multiaddr': [['--bootstrap', '192.0.2.1:4001'], /--bootstrap "192\.0\.2\.1:4001": not a multiaddr/],
    'a bootstrap address without a peer id': [['--bootstrap', '/ip4/192.0.2.1/tcp/4001'], /\/p2p\/PEER-ID/],
    'an unknown option': [['--admin', '2'], /unknown option --admin/]
  }
  for (const [what, [args, pattern]] of Object.entries(badUsage)) {
    it(`with ${what} exits 2 naming the option, and writes nothing`, async (t) => {
      const { out, passphraseFile } = await setup(t)
      const base = ['--mesh-name', 'acme', '--out', out, '--passphrase-file', passphraseFile]
      const { code, stderr } = await runCliCaptured(['admin', 'init', ...base, ...args])
      assert.equal(code, 2)
      assert.match(stderr, pattern)
      assert.equal(stderr.split('\n').length, 1)
      assert.equal(await exists(out), false)
    })
  }

  it('without --mesh-name or --out exits 2 saying which is required', async () => {
    assert.match((await runCliCaptured(['admin', 'init', '--out', 'x'])).stderr, /--mesh-name NAME is required/)
    assert.match((await runCliCaptured(['admin', 'init', '--mesh-name', 'acme'])).stderr, /--out DIR is required/)
  })

  it('--help describes the files it writes and is listed in the top-level help', async () => {
    const help = await runCliCaptured(['admin', 'init', '--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /admin-1\.key … admin-N\.key/)
    assert.match((await runCliCaptured(['--help'])).stdout, /admin init\s+create a mesh/)
  })
})
