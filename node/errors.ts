import { ADMIN_BAD_INPUT_CODES } from '../admin/errors.ts'
import { PACKAGE_BAD_INPUT_CODES } from '../admin/package-errors.ts'

/** A failure of the node or CLI with a stable `code` that callers and tests branch on. */
export class NodeError extends Error {
  override readonly name = 'NodeError'
  readonly code: NodeErrorCode

  constructor (code: NodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export type NodeErrorCode =
  /** Another node process holds the data folder. */
  | 'ERR_ALREADY_RUNNING'
  /** The data folder or database cannot be opened or written. */
  | 'ERR_DATA_FOLDER'
  /** An inventory source (dpkg status, os-release, rpm, inventory file) is missing or unreadable. */
  | 'ERR_INVENTORY_SOURCE'
  /** The mesh file cannot be read. */
  | 'ERR_MESH_FILE'
  /** A catalog file cannot be read. */
  | 'ERR_CATALOG_SOURCE'
  /** A catalog is older than (or conflicts with) the newest one the node holds. */
  | 'ERR_CATALOG_OUTDATED'
  /** No verified catalog is stored yet. */
  | 'ERR_NO_CATALOG'
  /** A command line the CLI cannot run: unknown command or flag, missing or bad value. */
  | 'ERR_USAGE'
  /** The CLI cannot reach the node it talks to, or the node answered with an error. */
  | 'ERR_NODE_UNREACHABLE'
  /** The control token of the local node cannot be read (node not running, or another user's node). */
  | 'ERR_CONTROL_TOKEN'
  /** The node refused what was sent to it as bad input (a bad signature, an older version, a malformed document). */
  | 'ERR_REFUSED'

/** True for errors caused by what the user gave us (exit code 2), as opposed to failures (exit code 1). */
export function isBadInput (err: unknown): boolean {
  if (err == null || typeof err !== 'object') return false
  const { name, code } = err as { name?: unknown, code?: unknown }
  if (name === 'FormatError') return true
  if (name === 'AdminError') return ADMIN_BAD_INPUT_CODES.has(code as string)
  if (name === 'PackageError') return PACKAGE_BAD_INPUT_CODES.has(code as string)
  return name === 'NodeError' && (code === 'ERR_USAGE' || code === 'ERR_CATALOG_SOURCE' || code === 'ERR_MESH_FILE' ||
    code === 'ERR_INVENTORY_SOURCE' || code === 'ERR_CATALOG_OUTDATED' || code === 'ERR_REFUSED')
}
