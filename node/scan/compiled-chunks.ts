import { NodeError } from '../errors.ts'
import type { CompiledCatalog } from '../../protocol/compiled-catalog.ts'
import type { Sublevel } from '../db/database.ts'

/**
 * Bulletins or patches per stored chunk: each chunk's JSON is tens of kilobytes, garbage the young
 * generation collects at once, where larger strings would wait for a full collection.
 */
export const COMPILED_CHUNK_ITEMS = 500

const PREFIX = 'compiled/'

type Head = Omit<CompiledCatalog, 'bulletins' | 'patches'> & { bulletinChunks: number, patchChunks: number }

/**
 * Stores a compiled catalog as a head and chunks of bulletins and patches under keys of its
 * version, one write each. One 30 MB value would pass through a JSON string, a buffer, a write
 * batch and the memtable at once, about 100 MB on top of the import; chunks keep that small.
 * Nothing points at the chunks until the caller records the version, so a crash midway leaves
 * the held catalog intact and only unreferenced chunks, which `staleCompiledKeys` finds.
 */
export async function putCompiledCatalog (db: Sublevel<unknown>, compiled: CompiledCatalog): Promise<void> {
  const { bulletins, patches, ...rest } = compiled
  const bulletinChunks = Math.ceil(bulletins.length / COMPILED_CHUNK_ITEMS)
  const patchChunks = Math.ceil(patches.length / COMPILED_CHUNK_ITEMS)
  for (let i = 0; i < bulletinChunks; i++) await db.put(chunkKey(compiled.version, 'bulletins', i), bulletins.slice(i * COMPILED_CHUNK_ITEMS, (i + 1) * COMPILED_CHUNK_ITEMS))
  for (let i = 0; i < patchChunks; i++) await db.put(chunkKey(compiled.version, 'patches', i), patches.slice(i * COMPILED_CHUNK_ITEMS, (i + 1) * COMPILED_CHUNK_ITEMS))
  const head: Head = { ...rest, bulletinChunks, patchChunks }
  await db.put(headKey(compiled.version), head)
}

/** The compiled catalog of `version`, or undefined when its head is not stored. */
export async function getCompiledCatalog (db: Sublevel<unknown>, version: number): Promise<CompiledCatalog | undefined> {
  const head = await db.get(headKey(version)) as Head | undefined
  if (head == null) return undefined
  const { bulletinChunks, patchChunks, ...rest } = head
  const read = async <T>(kind: 'bulletins' | 'patches', count: number): Promise<T[]> => {
    const chunks = await db.getMany(Array.from({ length: count }, (_, i) => chunkKey(version, kind, i))) as Array<T[] | undefined>
    if (chunks.some(chunk => chunk == null)) throw new NodeError('ERR_DATA_FOLDER', `the database lacks a chunk of ${kind} of compiled catalog version ${version}`)
    return (chunks as T[][]).flat()
  }
  return { ...rest, bulletins: await read('bulletins', bulletinChunks), patches: await read('patches', patchChunks) }
}

/** Keys of compiled catalogs other than `version`: replaced ones, and those of imports that never finished. */
export async function staleCompiledKeys (db: Sublevel<unknown>, version: number): Promise<string[]> {
  const keep = `${PREFIX}${version}/`
  const keys = await db.keys({ gte: PREFIX, lt: PREFIX.slice(0, -1) + '0' }).all()
  return keys.filter(key => !key.startsWith(keep))
}

function headKey (version: number): string {
  return `${PREFIX}${version}/head`
}

function chunkKey (version: number, kind: 'bulletins' | 'patches', chunk: number): string {
  return `${PREFIX}${version}/${kind}/${chunk}`
}
