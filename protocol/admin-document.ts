import { parseCatalogAnnouncement } from './catalog-announcement.ts'
import type { CatalogAnnouncement } from './catalog-announcement.ts'
import { FormatError } from './errors.ts'
import { parseMeshFile, trustedKeyMap } from './mesh-file.ts'
import type { MeshFile, TrustedKey } from './mesh-file.ts'
import { isManifestExpired, parsePackageManifest } from './package-manifest.ts'
import type { PackageManifest } from './package-manifest-types.ts'
import { checkSignatures } from './signatures.ts'
import type { SignatureCheck, SignedDocument } from './signatures.ts'

/** One signature that did not count: from a key the mesh does not trust for this role, not verifying, or a second one by a key. */
export type SignatureProblem = SignatureCheck['problems'][number]

/** What a node holds under a package name (or for its mesh file), to judge an incoming document against. */
export interface HeldDocument {
  version: number
  /** As a verdict returned it (valid signatures only). Absent for a mesh file copied in by hand: an equal version is then a replay. */
  document?: SignedDocument
}

/**
 * The verdict on a signed admin document; never an exception. `document` in the first three is the
 * one to store and relay: the bytes with only the valid, distinct signatures (merged with the held
 * ones for 'more-signatures'). A document with a bad or duplicate signature is refused outright
 * ('bad-signature'); signatures by keys the mesh does not trust are listed but do not block.
 */
export type AdminDocumentVerdict<T> =
  /** Newer than what is held, with the threshold met. */
  | { status: 'accepted', value: T, document: SignedDocument, signers: string[], problems: SignatureProblem[] }
  /** Newer than what is held, signed by `valid` trusted keys of the `needed`: waiting for co-signers. */
  | { status: 'pending', value: T, document: SignedDocument, signers: string[], valid: number, needed: number, problems: SignatureProblem[] }
  /** The held version's exact bytes with signatures the held copy lacks; `complete` once the threshold is met. */
  | { status: 'more-signatures', value: T, document: SignedDocument, signers: string[], complete: boolean, problems: SignatureProblem[] }
  /** The held version again, with nothing new. */
  | { status: 'replay', version: number, problems: SignatureProblem[] }
  /** Older than the held version. */
  | { status: 'rollback', version: number, held: number, problems: SignatureProblem[] }
  /** The held version number with different bytes: two documents claim one version. */
  | { status: 'conflict', version: number, problems: SignatureProblem[] }
  | { status: 'wrong-mesh', mesh: string, expected: string, problems: SignatureProblem[] }
  /** No signature by a trusted key at all. */
  | { status: 'untrusted', problems: SignatureProblem[] }
  | { status: 'bad-signature', problems: SignatureProblem[] }
  /** Validly signed, but not a document of the expected format. */
  | { status: 'malformed', error: FormatError, problems: SignatureProblem[] }

/** A package manifest's verdict: an admin document's, or expired (checked only for a manifest that would otherwise count). */
export type PackageManifestVerdict = AdminDocumentVerdict<PackageManifest> | { status: 'expired', expires: string, problems: SignatureProblem[] }

export interface VerifyPackageManifestOptions {
  /** Clock for expiry, in milliseconds since the epoch. */
  nowMs: number
  /** What the node holds under a package name. */
  held?: (name: string) => HeldDocument | undefined
}

/** Judges a signed package manifest against the mesh file: k of n admin signatures, this mesh, not expired, newer than held. */
export function verifyPackageManifest (document: SignedDocument, mesh: MeshFile, options: VerifyPackageManifestOptions): PackageManifestVerdict {
  const verdict = verifyAdminDocument(document, {
    keys: mesh.admins.keys,
    threshold: mesh.admins.threshold,
    mesh: mesh.name,
    parse: bytes => parsePackageManifest(bytes, { source: 'package manifest' }),
    identify: manifest => manifest,
    held: options.held ?? (() => undefined)
  })
  const expires = 'value' in verdict ? verdict.value.expires : undefined
  if (expires !== undefined && isManifestExpired({ expires }, options.nowMs)) return { status: 'expired', expires, problems: verdict.problems }
  return verdict
}

/**
 * A mesh update's verdict: an admin document's, or one of two placements in the chain of versions
 * that the node cannot judge with the file in force, and that are therefore no fault of the sender.
 */
export type MeshUpdateVerdict = AdminDocumentVerdict<MeshFile>
  /** Later than the next version: its signers are admins of a version in between, which the node lacks yet. */
  | { status: 'predecessor-missing', version: number, inForce: number, problems: SignatureProblem[] }
  /** At or before the version in force and signed by none of its admins: an older link of the chain, of no use here. */
  | { status: 'superseded', version: number, inForce: number, problems: SignatureProblem[] }

/**
 * Judges a new mesh file: same name, the next version, signed by k of the CURRENT mesh file's
 * admins (so after a rotation a removed admin's signature no longer counts). `held` is the newest
 * mesh update held, pending or not; by default the current file's version. Versions take effect one
 * at a time: version n+2 is signed by the admins of n+1, so it waits ('predecessor-missing') until
 * n+1 is in force, even where the admins of n happen to have signed it too.
 */
export function verifyMeshUpdate (document: SignedDocument, current: MeshFile, held: HeldDocument = { version: current.version }): MeshUpdateVerdict {
  const verdict = verifyAdminDocument(document, {
    keys: current.admins.keys,
    threshold: current.admins.threshold,
    mesh: current.name,
    parse: bytes => parseMeshFile(bytes, { source: 'mesh update' }),
    identify: file => ({ mesh: file.name, name: file.name, version: file.version }),
    held: () => held
  })
  if (verdict.status !== 'accepted' && verdict.status !== 'pending' && verdict.status !== 'untrusted') return verdict
  const version = verdict.status === 'untrusted' ? chainVersionOf(document, current.name) : verdict.value.version
  if (version === undefined) return verdict
  if (version > current.version + 1) return { status: 'predecessor-missing', version, inForce: current.version, problems: verdict.problems }
  if (verdict.status === 'untrusted' && version <= current.version) return { status: 'superseded', version, inForce: current.version, problems: verdict.problems }
  return verdict
}

/**
 * The version of a mesh update that no key in force signed, to place it in the chain; undefined when
 * the bytes are no mesh file of this mesh (it stays 'untrusted'). Reading unverified bytes is safe
 * because the mesh-file reader limits size and depth and expands no entities, and nothing read here
 * is trusted: the version only decides whether the node can judge the update yet.
 */
function chainVersionOf (document: SignedDocument, mesh: string): number | undefined {
  try {
    const file = parseMeshFile(document.bytes, { source: 'mesh update' })
    return file.name === mesh ? file.version : undefined
  } catch (err) {
    if (err instanceof FormatError) return undefined
    throw err
  }
}

/** The verdict on a catalog announcement; 'older-than-held' includes an equal version. */
export type CatalogAnnouncementVerdict =
  | { status: 'accepted', announcement: CatalogAnnouncement, signer: string, problems: SignatureProblem[] }
  | { status: 'unknown-signer' | 'bad-signature', problems: SignatureProblem[] }
  | { status: 'wrong-mesh', mesh: string, expected: string, problems: SignatureProblem[] }
  | { status: 'older-than-held', version: number, problems: SignatureProblem[] }
  | { status: 'malformed', error: FormatError, problems: SignatureProblem[] }

/** Judges a catalog announcement: signed by a catalog-signer key of the mesh file, this mesh, newer than the held version of that catalog. */
export function verifyCatalogAnnouncement (
  document: SignedDocument, mesh: MeshFile, heldVersion: (catalogId: string) => number | undefined = () => undefined
): CatalogAnnouncementVerdict {
  const verdict = verifyAdminDocument(document, {
    keys: mesh.catalogSigners,
    threshold: 1,
    mesh: mesh.name,
    parse: bytes => parseCatalogAnnouncement(bytes, { source: 'catalog announcement' }),
    identify: announcement => ({ mesh: announcement.mesh, name: announcement.catalog, version: announcement.version }),
    held: catalog => {
      const version = heldVersion(catalog)
      return version === undefined ? undefined : { version }
    }
  })
  const { problems } = verdict
  switch (verdict.status) {
    // With a threshold of 1 and held documents without bytes, a valid signature always means accepted.
    case 'accepted': case 'pending': case 'more-signatures':
      return { status: 'accepted', announcement: verdict.value, signer: verdict.signers[0] ?? '', problems }
    case 'untrusted': return { status: 'unknown-signer', problems }
    case 'bad-signature': case 'wrong-mesh': case 'malformed': return verdict
    case 'replay': case 'rollback': case 'conflict': return { status: 'older-than-held', version: verdict.version, problems }
  }
}

interface Rules<T> {
  keys: readonly TrustedKey[]
  threshold: number
  mesh: string
  /** Throws FormatError for bytes that are not a document of the kind. */
  parse: (bytes: Uint8Array) => T
  /** The fields the judgement needs; `name` is what versions are counted per. */
  identify: (value: T) => { mesh: string, name: string, version: number }
  held: (name: string) => HeldDocument | undefined
}

/** The judgement shared by every signed admin document: signatures, then format, mesh, and version against the held one. */
function verifyAdminDocument<T> (document: SignedDocument, rules: Rules<T>): AdminDocumentVerdict<T> {
  const trusted = trustedKeyMap(rules.keys)
  const { valid, problems } = checkSignatures(document, trusted)
  // Signatures first: untrusted bytes never reach the XML reader.
  if (problems.some(problem => problem.reason !== 'unknown-key')) return { status: 'bad-signature', problems }
  if (valid.length === 0) return { status: 'untrusted', problems }
  let value: T
  try {
    value = rules.parse(document.bytes)
  } catch (err) {
    if (err instanceof FormatError) return { status: 'malformed', error: err, problems }
    throw err
  }
  const { mesh, name, version } = rules.identify(value)
  if (mesh !== rules.mesh) return { status: 'wrong-mesh', mesh, expected: rules.mesh, problems }

  const held = rules.held(name)
  if (held !== undefined && version < held.version) return { status: 'rollback', version, held: held.version, problems }
  if (held !== undefined && version === held.version) {
    if (held.document === undefined) return { status: 'replay', version, problems }
    if (Buffer.compare(held.document.bytes, document.bytes) !== 0) return { status: 'conflict', version, problems }
    const before = checkSignatures(held.document, trusted).valid
    const added = valid.filter(keyId => !before.includes(keyId))
    if (added.length === 0) return { status: 'replay', version, problems }
    const signers = [...before, ...added]
    const merged = { bytes: held.document.bytes, signatures: [...signaturesBy(held.document, before), ...signaturesBy(document, added)] }
    return { status: 'more-signatures', value, document: merged, signers, complete: signers.length >= rules.threshold, problems }
  }
  const kept = { bytes: document.bytes, signatures: signaturesBy(document, valid) }
  if (valid.length < rules.threshold) return { status: 'pending', value, document: kept, signers: valid, valid: valid.length, needed: rules.threshold, problems }
  return { status: 'accepted', value, document: kept, signers: valid, problems }
}

/** The first signature by each of `keyIds`, in the document's order. */
function signaturesBy (document: SignedDocument, keyIds: readonly string[]): SignedDocument['signatures'] {
  return document.signatures.filter((signature, i) => keyIds.includes(signature.keyId) &&
    document.signatures.findIndex(other => other.keyId === signature.keyId) === i)
}
