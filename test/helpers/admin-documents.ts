import { blobIdOf } from '../../protocol/blob-id.ts'
import { serializeMeshFile } from '../../protocol/mesh-file.ts'
import { serializePackageManifest } from '../../protocol/package-manifest.ts'
import { addSignature, generateSigningKey, keyIdOf } from '../../protocol/signatures.ts'
import type { MeshFile, TrustedKey } from '../../protocol/mesh-file.ts'
import type { PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { SignedDocument, SigningKey } from '../../protocol/signatures.ts'

const encoder = new TextEncoder()

/** The blob id of some text's bytes: a valid, distinct id per text. */
export function blobIdFor (text: string): string {
  return blobIdOf(encoder.encode(text))
}

/** A key as a mesh file lists it. */
export function trustedKey (key: SigningKey): TrustedKey {
  return { id: keyIdOf(key.publicKey), publicKey: key.publicKey }
}

/** Admin keys, a catalog-signer key and an outsider's key, fresh per test file. */
export function testKeys (admins = 3): { admins: SigningKey[], signer: SigningKey, outsider: SigningKey } {
  return { admins: Array.from({ length: admins }, () => generateSigningKey()), signer: generateSigningKey(), outsider: generateSigningKey() }
}

/** A mesh file trusting `admins` with threshold k and one catalog signer. */
export function testMesh (admins: SigningKey[], threshold: number, signer: SigningKey, fields: Partial<MeshFile> = {}): MeshFile {
  return {
    name: 'acme',
    version: 1,
    created: '2026-11-24T10:00:00Z',
    admins: { threshold, keys: admins.map(trustedKey) },
    catalogSigners: [trustedKey(signer)],
    bootstrap: [],
    ...fields
  }
}

/** A two-patch manifest (a deb and an msi) for mesh "acme"; `fields` replace top-level fields. */
export function sampleManifest (fields: Partial<PackageManifest> = {}): PackageManifest {
  return {
    mesh: 'acme',
    name: 'november-security',
    version: 2,
    created: '2026-11-24T10:00:00Z',
    expires: '2027-01-31T00:00:00Z',
    target: { sites: ['hq', 'branch-berlin'], tags: ['web'], os: ['debian', 'windows'] },
    deployment: { available: '2026-11-25T00:00:00Z', deadline: '2026-12-01T00:00:00Z', window: { days: ['Sat'], startMinute: 22 * 60, endMinute: 4 * 60 }, rebootServers: false },
    patches: [
      {
        id: 'P-OPENSSL', blob: blobIdFor('openssl'), index: blobIdFor('openssl index'), size: 1_523_004, file: 'openssl_3.0.13-1_amd64.deb',
        kind: 'deb', command: 'dpkg -i {file}', successCodes: [0], rebootCodes: [], reboot: 'never', timeoutSeconds: 600
      },
      {
        id: 'KB5034441', blob: blobIdFor('kb'), index: blobIdFor('kb index'), size: 250_000_000, file: 'windows10.0-kb5034441-x64.msi',
        kind: 'msi', command: 'msiexec /i {file} /qn /norestart', successCodes: [0, 3010, 1641], rebootCodes: [3010, 1641], reboot: 'may', timeoutSeconds: 3600
      }
    ],
    retracted: ['P-CURL-OLD'],
    ...fields
  }
}

/** Signed bytes of a serialized document, signed by each of `keys` in turn. */
export function signText (text: string, keys: readonly SigningKey[]): SignedDocument {
  return keys.reduce((document, key) => addSignature(document, key), { bytes: encoder.encode(text), signatures: [] } as SignedDocument)
}

/** A manifest serialized and signed by `keys`. */
export function signedManifest (manifest: PackageManifest, keys: readonly SigningKey[]): SignedDocument {
  return signText(serializePackageManifest(manifest), keys)
}

/** A mesh file serialized and signed by `keys`. */
export function signedMesh (mesh: MeshFile, keys: readonly SigningKey[]): SignedDocument {
  return signText(serializeMeshFile(mesh), keys)
}
