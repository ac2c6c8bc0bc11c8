import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { FormatError } from '../../protocol/errors.ts'
import { MAX_MESH_FILE_BYTES, MESH_NAMESPACE, bootstrapAddressProblem, parseMeshFile, serializeMeshFile, trustedKeyMap } from '../../protocol/mesh-file.ts'
import { addSignature, checkSignatures, generateSigningKey, keyIdOf } from '../../protocol/signatures.ts'
import type { FormatErrorCode } from '../../protocol/errors.ts'
import type { MeshFile, TrustedKey } from '../../protocol/mesh-file.ts'
import type { SigningKey } from '../../protocol/signatures.ts'

const PEER = '12D3KooWGzh5ewybsMdU1JDA3Cs9hjYKo6tuRmt5UygL6zwFv4oE'
const BOOTSTRAP = `/ip4/192.0.2.1/tcp/4001/p2p/${PEER}`
const keys = Array.from({ length: 4 }, () => generateSigningKey())
const key = (i: number): SigningKey => keys[i] as SigningKey
const trusted = (i: number): TrustedKey => ({ id: keyIdOf(key(i).publicKey), publicKey: key(i).publicKey })

const sample: MeshFile = {
  name: 'acme',
  version: 3,
  created: '2026-11-24T10:00:00Z',
  admins: { threshold: 2, keys: [trusted(0), trusted(1), trusted(2)] },
  catalogSigners: [trusted(3)],
  bootstrap: [BOOTSTRAP, '/dns4/mesh.example.org/tcp/4001/p2p/' + PEER]
}

/** `<Key>` markup for key i; `id` overrides the id written. */
function keyXml (i: number, id = trusted(i).id): string {
  return `<Key id="${id}" publicKey="${Buffer.from(trusted(i).publicKey).toString('base64')}"/>`
}

/** A mesh document from its parts. */
function mesh (body: { admins?: string, signers?: string, extra?: string, root?: string } = {}): string {
  return `<Mesh xmlns="${MESH_NAMESPACE}" ${body.root ?? 'name="acme" version="1" created="2026-11-24T10:00:00Z"'}>` +
    (body.admins ?? `<Admins threshold="1">${keyXml(0)}</Admins>`) +
    (body.signers ?? `<CatalogSigners>${keyXml(3)}</CatalogSigners>`) +
    (body.extra ?? '') + '</Mesh>'
}

function rejects (document: string | Uint8Array, code: FormatErrorCode, pattern?: RegExp): FormatError {
  let caught: unknown
  try { parseMeshFile(document, { source: 'mesh.xml' }) } catch (error) { caught = error }
  assert.ok(caught instanceof FormatError, `expected FormatError ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  assert.match(caught.message, /^mesh\.xml/)
  if (pattern !== undefined) assert.match(caught.message, pattern)
  return caught
}

describe('parseMeshFile: valid mesh files', () => {
  it('reads name, version, created, admin keys with threshold, catalog signers and bootstrap addresses', () => {
    const parsed = parseMeshFile(mesh({ extra: `<Bootstrap address="${BOOTSTRAP}"/>` }))
    assert.deepEqual(parsed, {
      name: 'acme',
      version: 1,
      created: '2026-11-24T10:00:00Z',
      admins: { threshold: 1, keys: [trusted(0)] },
      catalogSigners: [trusted(3)],
      bootstrap: [BOOTSTRAP]
    })
  })

  it('accepts a mesh without bootstrap addresses', () => {
    assert.deepEqual(parseMeshFile(mesh()).bootstrap, [])
  })

  it('round-trips serialize then parse to the same mesh', () => {
    const xml = serializeMeshFile(sample)
    assert.ok(xml.startsWith(`<?xml version="1.0" encoding="UTF-8"?>\n<Mesh xmlns="${MESH_NAMESPACE}" name="acme" version="3"`))
    assert.deepEqual(parseMeshFile(xml), sample)
    assert.equal(serializeMeshFile(parseMeshFile(xml)), xml)
  })

  it('gives checkSignatures the admin keys through trustedKeyMap', () => {
    const parsed = parseMeshFile(serializeMeshFile(sample))
    const document = addSignature(addSignature({ bytes: new TextEncoder().encode('<Package/>'), signatures: [] }, key(0)), key(3))
    const check = checkSignatures(document, trustedKeyMap(parsed.admins.keys))
    assert.deepEqual(check.valid, [trusted(0).id])
    assert.deepEqual(check.problems, [{ keyId: trusted(3).id, reason: 'unknown-key' }])
  })
})

describe('parseMeshFile: refused mesh files', () => {
  it('refuses a key whose id is not the id of its public key, naming the key', () => {
    rejects(mesh({ admins: `<Admins threshold="1">${keyXml(0, trusted(1).id)}</Admins>` }), 'ERR_SCHEMA', new RegExp(`key "${trusted(1).id}" does not match its public key`))
  })

  it('refuses threshold 0', () => {
    rejects(mesh({ admins: `<Admins threshold="0">${keyXml(0)}</Admins>` }), 'ERR_SCHEMA', /threshold/)
  })

  it('refuses a threshold above the number of admin keys', () => {
    rejects(mesh({ admins: `<Admins threshold="3">${keyXml(0)}${keyXml(1)}</Admins>` }), 'ERR_SCHEMA', /threshold" is 3 but only 2 admin keys/)
  })

  it('refuses a threshold that no signed document could meet', () => {
    rejects(mesh({ admins: `<Admins threshold="33">${keyXml(0)}</Admins>` }), 'ERR_SCHEMA', /from 1 to 32/)
  })

  it('refuses the same key id twice among the admins', () => {
    rejects(mesh({ admins: `<Admins threshold="1">${keyXml(0)}${keyXml(0)}</Admins>` }), 'ERR_DUPLICATE_ID', /first defined on line 1/)
  })

  it('refuses a key that is both an admin and a catalog signer', () => {
    rejects(mesh({ signers: `<CatalogSigners>${keyXml(0)}</CatalogSigners>` }), 'ERR_DUPLICATE_ID')
  })

  it('refuses a bootstrap address that is not a multiaddr', () => {
    rejects(mesh({ extra: '<Bootstrap address="192.0.2.1:4001"/>' }), 'ERR_SCHEMA', /not a multiaddr/)
    rejects(mesh({ extra: '<Bootstrap address="/ip4/192.0.2.300/tcp/4001/p2p/x"/>' }), 'ERR_SCHEMA', /not a multiaddr/)
  })

  it('refuses a bootstrap address without a peer id', () => {
    rejects(mesh({ extra: '<Bootstrap address="/ip4/192.0.2.1/tcp/4001"/>' }), 'ERR_SCHEMA', /\/p2p\/PEER-ID/)
    rejects(mesh({ extra: `<Bootstrap address="/p2p/${PEER}"/>` }), 'ERR_SCHEMA', /\/p2p\/PEER-ID/)
  })

  it('refuses a bootstrap address listed twice', () => {
    rejects(mesh({ extra: `<Bootstrap address="${BOOTSTRAP}"/><Bootstrap address="${BOOTSTRAP}"/>` }), 'ERR_DUPLICATE_ID')
  })

  it('refuses a mesh name with capitals, dots or a leading dash', () => {
    for (const name of ['Acme', 'acme.org', '-acme', 'a'.repeat(64)]) {
      rejects(mesh({ root: `name="${name}" version="1" created="2026-11-24T10:00:00Z"` }), 'ERR_SCHEMA', /attribute "name"/)
    }
  })

  it('refuses a version that is not a positive integer', () => {
    for (const version of ['0', '-1', '1.5', 'one']) {
      rejects(mesh({ root: `name="acme" version="${version}" created="2026-11-24T10:00:00Z"` }), 'ERR_SCHEMA', /attribute "version"/)
    }
  })

  it('refuses a public key that is not base64 of 32 bytes', () => {
    for (const publicKey of ['AAAA', Buffer.alloc(33).toString('base64'), `${Buffer.from(trusted(0).publicKey).toString('base64').slice(0, -1)}!`]) {
      rejects(mesh({ admins: `<Admins threshold="1"><Key id="x" publicKey="${publicKey}"/></Admins>` }), 'ERR_SCHEMA', /publicKey/)
    }
  })

  it('refuses a mesh without admins or without catalog signers', () => {
    rejects(mesh({ admins: '' }), 'ERR_SCHEMA', /no <Admins>/)
    rejects(mesh({ signers: '' }), 'ERR_SCHEMA', /no <CatalogSigners>/)
    rejects(mesh({ admins: '<Admins threshold="1"/>' }), 'ERR_SCHEMA', /no <Key>/)
    rejects(mesh({ signers: '<CatalogSigners></CatalogSigners>' }), 'ERR_SCHEMA', /no <Key>/)
  })

  it('refuses a second <Admins> section', () => {
    rejects(mesh({ extra: `<Admins threshold="1">${keyXml(1)}</Admins>` }), 'ERR_SCHEMA', /second <Admins>/)
  })

  it('refuses unknown elements and attributes', () => {
    rejects(mesh({ extra: '<Relay address="x"/>' }), 'ERR_SCHEMA', /unknown element <Relay>/)
    rejects(mesh({ admins: `<Admins threshold="1" quorum="2">${keyXml(0)}</Admins>` }), 'ERR_SCHEMA', /unknown attribute "quorum"/)
  })

  it('refuses a DOCTYPE with entities', () => {
    rejects(`<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>${mesh()}`, 'ERR_XML_FORBIDDEN')
  })

  it('refuses a wrong namespace', () => {
    rejects(mesh().replace(MESH_NAMESPACE, 'urn:patchmesh:mesh:2'), 'ERR_SCHEMA', /namespace/)
  })

  it('refuses a document over the size limit before reading it', () => {
    rejects(new Uint8Array(MAX_MESH_FILE_BYTES + 1), 'ERR_TOO_LARGE')
  })
})

describe('serializeMeshFile', () => {
  it('refuses to write a mesh that could not be read back', () => {
    const refuse = (bad: MeshFile): void => assert.throws(() => serializeMeshFile(bad), FormatError)
    refuse({ ...sample, name: 'Acme Corp' })
    refuse({ ...sample, admins: { ...sample.admins, threshold: 4 } })
    refuse({ ...sample, admins: { threshold: 1, keys: [{ ...trusted(0), id: 'forged' }] } })
    refuse({ ...sample, bootstrap: ['not a multiaddr'] })
    refuse({ ...sample, catalogSigners: [] })
  })
})

describe('bootstrapAddressProblem', () => {
  it('accepts an address ending in a peer id and explains anything else', () => {
    assert.equal(bootstrapAddressProblem(BOOTSTRAP), undefined)
    assert.match(bootstrapAddressProblem('/ip4/192.0.2.1/tcp/4001') ?? '', /\/p2p\/PEER-ID/)
    assert.match(bootstrapAddressProblem('') ?? '', /\/p2p\/PEER-ID|not a multiaddr/)
  })
})
