/** A failure of package building, signing or file import with a stable `code` that callers and tests branch on. */
export class PackageError extends Error {
  override readonly name = 'PackageError'
  readonly code: PackageErrorCode

  constructor (code: PackageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export type PackageErrorCode =
  /** The node has neither a draft nor a manifest of that name. */
  | 'ERR_NO_SUCH_PACKAGE'
  /** `create` of a name the node already has a draft or manifest of. */
  | 'ERR_PACKAGE_EXISTS'
  /** A patch id the node's newest catalog does not list (or the node holds no catalog). */
  | 'ERR_UNKNOWN_PATCH'
  /** `remove` of a patch the package does not carry. */
  | 'ERR_PATCH_NOT_IN_PACKAGE'
  /** A setting or patch option no manifest could carry (bad target word, time, window, command, codes, file name). */
  | 'ERR_BAD_SETTING'
  /** A manifest was asked of a package with neither patches nor retractions. */
  | 'ERR_EMPTY_PACKAGE'
  /** The blob a patch names is not held whole by the node, or differs from what was uploaded. */
  | 'ERR_BLOB_NOT_HELD'
  /** A signature for a manifest version that is no longer the one to sign (the draft changed meanwhile). */
  | 'ERR_STALE_MANIFEST'
  /** A signature by a key that is not an admin key of the mesh, or that does not verify. */
  | 'ERR_SIGNATURE'
  /** `publish` of a manifest nobody has signed yet. */
  | 'ERR_UNSIGNED'
  /** A download failed for good: an HTTP error answer, or the link dropped more often than the retries allow. */
  | 'ERR_DOWNLOAD'
  /** The downloaded or given file does not have the expected sha256. */
  | 'ERR_HASH_MISMATCH'

/** Codes caused by what the user gave us (the CLI exits 2), as opposed to failures (exit 1). */
export const PACKAGE_BAD_INPUT_CODES: ReadonlySet<string> = new Set<PackageErrorCode>([
  'ERR_NO_SUCH_PACKAGE', 'ERR_PACKAGE_EXISTS', 'ERR_UNKNOWN_PATCH', 'ERR_PATCH_NOT_IN_PACKAGE', 'ERR_BAD_SETTING',
  'ERR_EMPTY_PACKAGE', 'ERR_SIGNATURE', 'ERR_UNSIGNED', 'ERR_HASH_MISMATCH'
])
