import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { writeKeyFile } from '../../admin/keys.ts'
import { describeMeshChange, meshChanges, proposeMeshUpdate, readTrustedKey, signMeshUpdate } from '../../admin/mesh-update.ts'
import { verifyMeshUpdate } from '../../protocol/admin-document.ts'
import { decodeAdminMessage } from '../../protocol/admin-message.ts'
import { serializeMeshFile } from '../../protocol/mesh-file.ts'
import { generateSigningKey, keyIdOf } from '../../protocol/signatures.ts'
import { testKeys, testMesh, trustedKey } from '../helpers/admin-documents.ts'
import { tempDir } from '../helpers/temp.ts'
import type { AdminError } from '../../admin/errors.ts'
import type { UnlockedKey } from '../../admin/keys.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 }
const BOOTSTRAP = '/ip4/192.0.2.1/tcp/4001/p2p/12D3KooWGzh5ewybsMdU1JDA3Cs9hjYKo6tuRmt5UygL6zwFv4oE'
const NOW = new Date('2026-11-24T12:00:00.123Z')

const { admins, signer } = testKeys(3)
const current: MeshFile = testMesh(admins, 2, signer, { bootstrap: [BOOTSTRAP] })
const id = (i: number): string => keyIdOf((admins[i] ?? signer).publicKey)

function refusedWith (code: string, pattern: RegExp): (err: unknown) => boolean {
  return err => {
    assert.equal((err as AdminError).code, code)
    assert.match((err as Error).message, pattern)
    return true
  }
}

describe('proposeMeshUpdate', () => {
  it('makes the next version with the key removed, the threshold kept and the time of the proposal', () => {
    const next = proposeMeshUpdate(current, { removeAdmins: [id(2)] }, NOW)
    assert.equal(next.version, 2)
    assert.equal(next.created, '2026-11-24T12:00:00Z')
    assert.equal(next.admins.threshold, 2)
    assert.deepEqual(next.admins.keys.map(key => key.id), [id(0), id(1)])
    assert.deepEqual(next.catalogSigners, current.catalogSigners)
    assert.deepEqual(next.bootstrap, current.bootstrap)
    // What it makes is a mesh file every reader accepts.
    serializeMeshFile(next)
  })

  it('rotates a key: removes the lost one and adds its replacement in one version', () => {
    const replacement = generateSigningKey()
    const next = proposeMeshUpdate(current, { removeAdmins: [id(0)], addAdmins: [trustedKey(replacement)] }, NOW)
    assert.deepEqual(next.admins.keys.map(key => key.id), [id(1), id(2), keyIdOf(replacement.publicKey)])
    assert.deepEqual(next.admins.keys.at(-1)?.publicKey, replacement.publicKey)
  })

  it('changes catalog signers, bootstrap addresses and the threshold', () => {
    const newSigner = generateSigningKey()
    const next = proposeMeshUpdate(current, {
      threshold: 3, addCatalogSigners: [trustedKey(newSigner)], removeCatalogSigners: [keyIdOf(signer.publicKey)], removeBootstrap: [BOOTSTRAP]
    }, NOW)
    assert.equal(next.admins.threshold, 3)
    assert.deepEqual(next.catalogSigners.map(key => key.id), [keyIdOf(newSigner.publicKey)])
    assert.deepEqual(next.bootstrap, [])
  })

  it('refuses a threshold above the admins left, and says to give --threshold when it was not changed', () => {
    assert.throws(() => proposeMeshUpdate(current, { threshold: 4 }), refusedWith('ERR_MESH_CHANGE', /threshold 4 cannot be met by the 3 admin keys/))
    const twoOfTwo = testMesh(admins.slice(0, 2), 2, signer)
    assert.throws(() => proposeMeshUpdate(twoOfTwo, { removeAdmins: [id(1)] }), refusedWith('ERR_MESH_CHANGE', /threshold 2 cannot be met by the 1 admin key .*give --threshold/))
    assert.equal(proposeMeshUpdate(twoOfTwo, { removeAdmins: [id(1)], threshold: 1 }).admins.threshold, 1)
  })

  it('refuses to remove the last admin key or the last catalog-signer key', () => {
    const one = testMesh(admins.slice(0, 1), 1, signer)
    assert.throws(() => proposeMeshUpdate(one, { removeAdmins: [id(0)] }), refusedWith('ERR_MESH_CHANGE', /removes every admin key/))
    assert.throws(() => proposeMeshUpdate(one, { removeCatalogSigners: [keyIdOf(signer.publicKey)] }), refusedWith('ERR_MESH_CHANGE', /every catalog-signer key/))
  })

  it('refuses to remove a key id or address the mesh file does not hold, naming the ones it does', () => {
    assert.throws(() => proposeMeshUpdate(current, { removeAdmins: ['nosuchkey'] }), refusedWith('ERR_MESH_CHANGE', new RegExp(`mesh "acme" version 1 has no such admin key; it has ${id(0)}, ${id(1)}, ${id(2)}`)))
    // A catalog signer is not an admin, even though the id is in the file.
    assert.throws(() => proposeMeshUpdate(current, { removeAdmins: [keyIdOf(signer.publicKey)] }), refusedWith('ERR_MESH_CHANGE', /no such admin key/))
    assert.throws(() => proposeMeshUpdate(current, { removeBootstrap: ['/ip4/192.0.2.9/tcp/1'] }), refusedWith('ERR_MESH_CHANGE', /no such bootstrap address/))
  })

  it('refuses to add a key already in the file, in either role', () => {
    assert.throws(() => proposeMeshUpdate(current, { addAdmins: [trustedKey(admins[0] ?? signer)] }), refusedWith('ERR_MESH_CHANGE', /already in mesh "acme" version 1/))
    assert.throws(() => proposeMeshUpdate(current, { addAdmins: [trustedKey(signer)] }), refusedWith('ERR_MESH_CHANGE', /both an admin key and a catalog-signer key/))
  })

  it('refuses a bad bootstrap address and an update that changes nothing', () => {
    assert.throws(() => proposeMeshUpdate(current, { addBootstrap: ['/ip4/192.0.2.1/tcp/4001'] }), refusedWith('ERR_MESH_CHANGE', /\/p2p\/PEER-ID/))
    assert.throws(() => proposeMeshUpdate(current, {}), refusedWith('ERR_MESH_CHANGE', /changes nothing/))
    assert.throws(() => proposeMeshUpdate(current, { threshold: 2 }), refusedWith('ERR_MESH_CHANGE', /changes nothing/))
  })
})

describe('meshChanges', () => {
  it('lists added and removed keys, the threshold and addresses, and describes each in one line', () => {
    const replacement = generateSigningKey()
    const next = proposeMeshUpdate(current, { removeAdmins: [id(2)], addAdmins: [trustedKey(replacement)], threshold: 3, removeBootstrap: [BOOTSTRAP] })
    const changes = meshChanges(current, next)
    assert.deepEqual(changes, [
      { change: 'add-admin', keyId: keyIdOf(replacement.publicKey) },
      { change: 'remove-admin', keyId: id(2) },
      { change: 'threshold', from: 2, to: 3 },
      { change: 'remove-bootstrap', address: BOOTSTRAP }
    ])
    assert.deepEqual(changes.map(describeMeshChange).slice(1, 3), [`remove admin key ${id(2)}`, 'threshold 2 → 3'])
  })
})

describe('signMeshUpdate', () => {
  const unlocked = (key = admins[0] ?? signer, role: UnlockedKey['role'] = 'admin'): UnlockedKey => ({ key, role, keyId: keyIdOf(key.publicKey) })

  it('signs the exact bytes as a mesh-update message that the current admins\' threshold then judges', () => {
    const bytes = new TextEncoder().encode(serializeMeshFile(proposeMeshUpdate(current, { removeAdmins: [id(2)] })))
    const message = decodeAdminMessage(signMeshUpdate(bytes, unlocked()))
    assert.equal(message.kind, 'mesh-update')
    assert.deepEqual(message.document.bytes, bytes)
    assert.equal(verifyMeshUpdate(message.document, current).status, 'pending')
  })

  it('refuses a catalog-signer key', () => {
    assert.throws(() => signMeshUpdate(new Uint8Array(1), unlocked(signer, 'catalog-signer')), refusedWith('ERR_KEY_ROLE', /admin keys/))
  })
})

describe('readTrustedKey', () => {
  it('takes a base64 public key as printed by "admin key new"', async () => {
    const key = generateSigningKey()
    const trusted = await readTrustedKey(Buffer.from(key.publicKey).toString('base64'), 'admin')
    assert.deepEqual(trusted, trustedKey(key))
  })

  it('reads a key file without its passphrase, and refuses one of the other role', async (t) => {
    const dir = await tempDir(t)
    const key = generateSigningKey()
    await writeKeyFile(join(dir, 'signer.key'), key, 'catalog-signer', 'pw', FAST_SCRYPT)
    assert.deepEqual(await readTrustedKey(join(dir, 'signer.key'), 'catalog-signer'), trustedKey(key))
    await assert.rejects(readTrustedKey(join(dir, 'signer.key'), 'admin'), refusedWith('ERR_KEY_ROLE', /holds a catalog-signer key; expected an admin key/))
  })

  it('names the argument when it is neither a public key nor a readable key file', async () => {
    await assert.rejects(readTrustedKey('/no/such/file.key', 'admin'), refusedWith('ERR_KEY_FILE', /\/no\/such\/file\.key/))
  })
})
