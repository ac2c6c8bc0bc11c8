import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../atomic-write.ts'
import { NodeError } from '../errors.ts'

/** The file in the data folder that holds the control token; mode 0600, so only the node's user (and root) can act on the node. */
export const CONTROL_TOKEN_FILE = 'control-token'

/** Writes a fresh control token for this run of the node; a token from an earlier run stops working. */
export async function createControlToken (dataDir: string): Promise<string> {
  const token = randomBytes(32).toString('hex')
  await writeFileAtomic(join(dataDir, CONTROL_TOKEN_FILE), token + '\n')
  return token
}

/** Removes the token when the node stops, so nothing can be sent to a node that is not there. */
export async function removeControlToken (dataDir: string): Promise<void> {
  await rm(join(dataDir, CONTROL_TOKEN_FILE), { force: true })
}

/** Reads the running node's control token; a missing or unreadable file says which and why. */
export async function readControlToken (path: string): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'EACCES' ? 'permission denied: run this as the node\'s user' : code === 'ENOENT' ? 'no such file: is the node running on this data folder?' : (err as Error).message
    throw new NodeError('ERR_CONTROL_TOKEN', `cannot read the control token ${path}: ${why}`, { cause: err })
  }
  const token = text.trim()
  if (!/^[0-9a-f]{64}$/.test(token)) throw new NodeError('ERR_CONTROL_TOKEN', `${path} does not hold a control token (64 hex digits)`)
  return token
}

/** True when an Authorization header carries the token; compared in constant time. */
export function tokenMatches (header: string | undefined, token: string): boolean {
  // The scheme name is case-insensitive (RFC 9110); the token is not.
  const given = /^bearer ([0-9a-f]{64})$/i.exec(header ?? '')?.[1]
  if (given == null || given.length !== token.length) return false
  return timingSafeEqual(Buffer.from(given), Buffer.from(token))
}

/** True for loopback peers (IPv4, IPv6 and IPv4-mapped IPv6). */
export function isLoopback (address: string | undefined): boolean {
  if (address == null) return false
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}
