import { before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AdminError } from '../../admin/errors.ts'
import { DEFAULT_SCRYPT_COST, KEY_FILE_FORMAT, MAX_KEY_FILE_BYTES, readKeyFile, readPublicKeyFile, writeKeyFile } from '../../admin/keys.ts'
import { generateSigningKey, keyIdOf, signBytes, verifyBytes } from '../../protocol/signatures.ts'
import { tempDir } from '../helpers/temp.ts'
import type { AdminErrorCode } from '../../admin/errors.ts'

const PASSPHRASE = 'correct horse battery staple'
const key = generateSigningKey()
const keyId = keyIdOf(key.publicKey)

/** Runs `run` and asserts it fails with an AdminError of `code`, returning it. */
async function rejects (run: () => Promise<unknown>, code: AdminErrorCode): Promise<AdminError> {
  let caught: unknown
  try { await run() } catch (error) { caught = error }
  assert.ok(caught instanceof AdminError, `expected AdminError ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}

describe('key files', () => {
  // One key file written at the default cost; each test works on its own copy.
  let folder = ''
  let original = ''
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'patchmesh-keys-'))
    await writeKeyFile(join(folder, 'admin.key'), key, 'admin', PASSPHRASE)
    original = await readFile(join(folder, 'admin.key'), 'utf8')
    return async () => { await rm(folder, { recursive: true, force: true }) }
  })

  /** A copy of the key file with `change` applied to its JSON. */
  async function variant (t: { name: string }, change: (json: Record<string, any>) => void = () => {}): Promise<string> {
    const json = JSON.parse(original)
    change(json)
    const path = join(folder, `${t.name.replace(/\W+/g, '-')}.key`)
    await writeFile(path, JSON.stringify(json))
    return path
  }

  it('reads back the same key, role and key id with the right passphrase', async () => {
    const unlocked = await readKeyFile(join(folder, 'admin.key'), PASSPHRASE)
    assert.deepEqual(unlocked, { key, role: 'admin', keyId })
    const message = new TextEncoder().encode('manifest')
    assert.ok(verifyBytes(message, signBytes(message, unlocked.key), key.publicKey))
  })

  it('is written readable by its owner only, with the default scrypt cost', async () => {
    assert.equal((await stat(join(folder, 'admin.key'))).mode & 0o777, 0o600)
    const json = JSON.parse(original)
    assert.equal(json.format, KEY_FILE_FORMAT)
    assert.deepEqual({ ...json.kdf, salt: undefined }, { name: 'scrypt', ...DEFAULT_SCRYPT_COST, salt: undefined })
    assert.equal(json.cipher, 'aes-256-gcm')
  })

  it('holds the private key only encrypted', () => {
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      assert.ok(!original.includes(Buffer.from(key.privateKey).toString(encoding)), `no ${encoding} private key`)
    }
    assert.ok(!original.includes(PASSPHRASE))
  })

  it('gives role, key id and public key without the passphrase', async () => {
    assert.deepEqual(await readPublicKeyFile(join(folder, 'admin.key')), { role: 'admin', keyId, publicKey: key.publicKey })
  })

  it('refuses a wrong passphrase with ERR_BAD_PASSPHRASE naming the file', async (t) => {
    const path = await variant(t)
    const error = await rejects(() => readKeyFile(path, 'correct horse battery stapler'), 'ERR_BAD_PASSPHRASE')
    assert.equal(error.message, `cannot decrypt ${path}: wrong passphrase`)
  })

  it('refuses a file whose ciphertext has a flipped bit with ERR_KEY_FILE', async (t) => {
    const path = await variant(t, json => {
      const bytes = Buffer.from(json.ciphertext, 'base64')
      bytes[5] = (bytes[5] ?? 0) ^ 0x01
      json.ciphertext = bytes.toString('base64')
    })
    const error = await rejects(() => readKeyFile(path, PASSPHRASE), 'ERR_KEY_FILE')
    assert.match(error.message, /ciphertext/)
  })

  it('refuses a file whose role was changed, though the passphrase is right', async (t) => {
    const path = await variant(t, json => { json.role = 'catalog-signer' })
    await rejects(() => readKeyFile(path, PASSPHRASE), 'ERR_KEY_FILE')
  })

  it('refuses a file whose public key was swapped for another key along with its id', async (t) => {
    const other = generateSigningKey()
    const path = await variant(t, json => {
      json.publicKey = Buffer.from(other.publicKey).toString('base64')
      json.keyId = keyIdOf(other.publicKey)
    })
    await rejects(() => readKeyFile(path, PASSPHRASE), 'ERR_KEY_FILE')
  })

  it('refuses a key id that is not the id of the public key, naming the field, even without a passphrase', async (t) => {
    const path = await variant(t, json => { json.keyId = 'aaaaaaaaaaaaaaaa' })
    const error = await rejects(() => readPublicKeyFile(path), 'ERR_KEY_FILE')
    assert.match(error.message, /field "keyId" is "aaaaaaaaaaaaaaaa"/)
  })

  const malformed: Record<string, [(json: Record<string, any>) => void, RegExp]> = {
    'another format': [json => { json.format = 'openssh-key-v1' }, /field "format"/],
    'an unknown role': [json => { json.role = 'root' }, /field "role"/],
    'a missing iv': [json => { delete json.iv }, /field "iv"/],
    'a short tag': [json => { json.tag = 'AAAA' }, /field "tag" is not base64 of 16 bytes/],
    'an unknown field': [json => { json.comment = 'x' }, /unknown field "comment"/],
    'another cipher': [json => { json.cipher = 'aes-128-cbc' }, /field "cipher"/],
    'a scrypt cost asking for gigabytes': [json => { json.kdf.N = 2 ** 24 }, /more than 256 MiB/],
    'a scrypt N that is not a power of two': [json => { json.kdf.N = 30000 }, /field "kdf.N"/],
    'an unknown kdf': [json => { json.kdf.name = 'pbkdf2' }, /field "kdf.name"/]
  }
  for (const [what, [change, pattern]] of Object.entries(malformed)) {
    it(`refuses a key file with ${what}, naming the file and field`, async (t) => {
      const path = await variant(t, change)
      const error = await rejects(() => readKeyFile(path, PASSPHRASE), 'ERR_KEY_FILE')
      assert.ok(error.message.startsWith(`${path}: `), error.message)
      assert.match(error.message, pattern)
    })
  }

  it('refuses a file that is not JSON', async () => {
    const path = join(folder, 'text.key')
    await writeFile(path, '-----BEGIN OPENSSH PRIVATE KEY-----\n')
    const error = await rejects(() => readPublicKeyFile(path), 'ERR_KEY_FILE')
    assert.match(error.message, /not JSON/)
  })

  it('refuses a file larger than a key file can be without reading it whole', async () => {
    const path = join(folder, 'huge.key')
    await writeFile(path, Buffer.alloc(MAX_KEY_FILE_BYTES + 10, 0x20))
    const error = await rejects(() => readPublicKeyFile(path), 'ERR_KEY_FILE')
    assert.match(error.message, /larger than/)
  })

  it('reports a missing key file as ERR_KEY_FILE saying not found', async () => {
    const error = await rejects(() => readKeyFile(join(folder, 'nope.key'), PASSPHRASE), 'ERR_KEY_FILE')
    assert.match(error.message, /nope\.key: cannot read: not found/)
  })
})

describe('writeKeyFile', () => {
  it('refuses to overwrite an existing file and leaves it unchanged', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'admin.key')
    await writeFile(path, 'precious')
    await rejects(() => writeKeyFile(path, key, 'admin', PASSPHRASE), 'ERR_EXISTS')
    assert.equal(await readFile(path, 'utf8'), 'precious')
  })

  it('refuses an empty passphrase', async (t) => {
    const dir = await tempDir(t)
    await rejects(() => writeKeyFile(join(dir, 'k.key'), key, 'admin', ''), 'ERR_NO_PASSPHRASE')
  })

  it('records its scrypt cost, so files written at another cost still open', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'signer.key')
    await writeKeyFile(path, key, 'catalog-signer', PASSPHRASE, { N: 2 ** 14, r: 8, p: 1 })
    assert.equal(JSON.parse(await readFile(path, 'utf8')).kdf.N, 2 ** 14)
    assert.equal((await readKeyFile(path, PASSPHRASE)).role, 'catalog-signer')
  })

  it('accepts the passphrase typed in another Unicode normal form', async (t) => {
    const dir = await tempDir(t)
    const path = join(dir, 'k.key')
    await writeKeyFile(path, key, 'admin', 'Caf\u00e9 au lait', { N: 2 ** 14, r: 8, p: 1 })
    assert.deepEqual((await readKeyFile(path, 'Cafe\u0301 au lait')).key, key)
  })
})
