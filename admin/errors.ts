/** A failure of an admin operation with a stable `code` that callers and tests branch on. */
export class AdminError extends Error {
  override readonly name = 'AdminError'
  readonly code: AdminErrorCode

  constructor (code: AdminErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export type AdminErrorCode =
  /** The passphrase does not decrypt the key file. */
  | 'ERR_BAD_PASSPHRASE'
  /** A key file that cannot be read, is not a patchmesh key file, or was altered. */
  | 'ERR_KEY_FILE'
  /** No passphrase was given and none can be asked for (no terminal), or it was empty. */
  | 'ERR_NO_PASSPHRASE'
  /** Refused to overwrite a file that already exists. */
  | 'ERR_EXISTS'
  /** A file could not be written (permissions, full disk). */
  | 'ERR_WRITE'
  /** A key of the wrong role for the signature asked for (an admin key for a catalog, say). */
  | 'ERR_KEY_ROLE'
  /** A mesh-file change that makes no sense: an unknown key id, the last admin removed, a threshold above the admins left. */
  | 'ERR_MESH_CHANGE'

/** Codes caused by what the user gave us (the CLI exits 2), as opposed to failures (exit 1). */
export const ADMIN_BAD_INPUT_CODES: ReadonlySet<string> = new Set<AdminErrorCode>(['ERR_BAD_PASSPHRASE', 'ERR_KEY_FILE', 'ERR_NO_PASSPHRASE', 'ERR_EXISTS', 'ERR_KEY_ROLE', 'ERR_MESH_CHANGE'])
