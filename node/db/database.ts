import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import type { AbstractSublevel } from 'abstract-level'
import { NodeError } from '../errors.ts'

/** The node's one database; each concern gets its own sublevel. */
export type NodeDatabase = Level<string, unknown>

/** Opens (creating when needed) the database in a node's data folder; a second opener gets ERR_ALREADY_RUNNING. */
export async function openDatabase (dataDir: string): Promise<NodeDatabase> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new NodeError('ERR_DATA_FOLDER', `cannot create data folder ${dataDir}: ${(err as Error).message}`, { cause: err })
  }
  const db = new Level<string, unknown>(join(dataDir, 'db'), { valueEncoding: 'json' })
  try {
    await db.open()
  } catch (err) {
    if (causeCode(err) === 'LEVEL_LOCKED') {
      throw new NodeError('ERR_ALREADY_RUNNING', `data folder ${dataDir} is in use by another patchmesh process (already running?)`, { cause: err })
    }
    throw new NodeError('ERR_DATA_FOLDER', `cannot open database in ${dataDir}: ${(err as Error).message}`, { cause: err })
  }
  return db
}

function causeCode (err: unknown): unknown {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause
  return cause?.code
}

/** A sublevel of the node database with string keys and JSON values of type V. */
export type Sublevel<V> = AbstractSublevel<NodeDatabase, string | Buffer | Uint8Array, string, V>

/** Opens the sublevel that holds one concern's records. */
export function sublevel<V> (db: NodeDatabase, name: string): Sublevel<V> {
  return db.sublevel<string, V>(name, { valueEncoding: 'json' })
}
