import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MAX_CATALOG_BYTES, parseCatalog } from '../../protocol/catalog.ts'
import { compileCatalog } from '../../protocol/compiled-catalog.ts'
import { buildScanIndex } from '../../protocol/scan-index.ts'
import { sublevel } from '../db/database.ts'
import { NodeError } from '../errors.ts'
import { readInputFile } from '../read-input.ts'
import { getCompiledCatalog, putCompiledCatalog, staleCompiledKeys } from './compiled-chunks.ts'
import { SCAN_INDEX_FILE, readScanIndexFile, writeScanIndexFile } from './scan-index-file.ts'
import type { CompiledCatalog } from '../../protocol/compiled-catalog.ts'
import type { ScanIndex } from '../../protocol/scan-index.ts'
import type { NodeDatabase, Sublevel } from '../db/database.ts'

/** What the node records about the catalog it holds, without loading the catalog itself. */
export interface CatalogRecord {
  id: string
  version: number
  published: string
  sha256: string
  patches: number
  importedAt: string
  source: string
}

export interface CatalogImport {
  record: CatalogRecord
  /** False when exactly this catalog was already held. */
  stored: boolean
}

export interface LoadedScanIndex {
  index: ScanIndex
  /** Set when the index file could not be used and was rebuilt from the stored catalog: why. */
  rebuiltBecause?: string
}

const RECORD_KEY = 'newest-record'
/** Where earlier versions kept the compiled catalog in one value and the scan index; read and deleted when met. */
const LEGACY_COMPILED_KEY = 'newest-compiled'
const LEGACY_INDEX_KEY = 'newest-index'

/**
 * Holds the newest verified catalog twice over: compiled in the database for reports (in chunks,
 * see compiled-chunks.ts), and as a scan index file beside the database that loads in a fraction of the time, so a scan never
 * re-parses XML nor loads report text. The database's record says which catalog is held; an
 * index file that is missing, damaged or names another catalog is rebuilt from the compiled one.
 */
export class CatalogStore {
  readonly #db: Sublevel<unknown>
  readonly #indexPath: string
  #newest?: CompiledCatalog
  #index?: ScanIndex
  /** Imports and loads run one at a time, so a load never caches what an import is replacing. */
  #queue: Promise<unknown> = Promise.resolve()

  constructor (db: NodeDatabase) {
    this.#db = sublevel(db, 'catalogs')
    this.#indexPath = join(dirname(db.location), SCAN_INDEX_FILE)
  }

  /**
   * Parses, verifies and stores a catalog document; an older version, or the same version with other
   * content, is refused. With `otherIdReplaces`, a catalog of another id replaces the held one whatever
   * its version (a signed announcement moving the mesh to a new catalog, or off the example catalog).
   */
  async import (bytes: Uint8Array, source: string, options: { otherIdReplaces?: boolean } = {}): Promise<CatalogImport> {
    return await this.#serially(async () => await this.#import(bytes, source, options.otherIdReplaces === true))
  }

  async #import (bytes: Uint8Array, source: string, otherIdReplaces: boolean): Promise<CatalogImport> {
    const compiled = compileCatalog(parseCatalog(bytes, { source }), source)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const held = await this.record()
    if (held != null && !(otherIdReplaces && held.id !== compiled.id)) {
      if (compiled.version === held.version && sha256 === held.sha256) return { record: held, stored: false }
      if (compiled.version <= held.version) {
        throw new NodeError('ERR_CATALOG_OUTDATED', `${source}: catalog version ${compiled.version} is not newer than the version ${held.version} already held; expected a version above ${held.version}`)
      }
    }
    const record: CatalogRecord = {
      id: compiled.id,
      version: compiled.version,
      published: compiled.published,
      sha256,
      patches: compiled.patches.length,
      importedAt: new Date().toISOString(),
      source
    }
    // The index file first: until the batch lands it names a catalog the record does not, and is rebuilt if needed.
    const index = buildScanIndex(compiled)
    await this.#writeIndex(index)
    await putCompiledCatalog(this.#db, compiled)
    // The record switches to the new catalog in the same batch that drops the old one, so a crash never leaves a record without its catalog.
    const stale = await staleCompiledKeys(this.#db, compiled.version)
    await this.#db.batch([
      { type: 'put', key: RECORD_KEY, value: record },
      ...[...stale, LEGACY_COMPILED_KEY, LEGACY_INDEX_KEY].map(key => ({ type: 'del' as const, key }))
    ])
    this.#newest = compiled
    this.#index = index
    return { record, stored: true }
  }

  /** The record of the newest catalog held, if any. */
  async record (): Promise<CatalogRecord | undefined> {
    return await this.#db.get(RECORD_KEY) as CatalogRecord | undefined
  }

  /** The newest compiled catalog (for reports), loaded once and then kept in memory. */
  async newest (): Promise<CompiledCatalog | undefined> {
    if (this.#newest != null) return this.#newest
    return await this.#serially(async () => await this.#loadNewest())
  }

  async #loadNewest (): Promise<CompiledCatalog | undefined> {
    if (this.#newest != null) return this.#newest
    const record = await this.record()
    if (record == null) return undefined
    this.#newest = await getCompiledCatalog(this.#db, record.version) ?? await this.#db.get(LEGACY_COMPILED_KEY) as CompiledCatalog | undefined
    return this.#newest
  }

  /** The newest catalog's scan index, loaded from its file once and then kept in memory. */
  async scanIndex (): Promise<LoadedScanIndex | undefined> {
    if (this.#index != null) return { index: this.#index }
    return await this.#serially(async () => await this.#loadIndex())
  }

  async #loadIndex (): Promise<LoadedScanIndex | undefined> {
    if (this.#index != null) return { index: this.#index }
    const record = await this.record()
    if (record == null) return undefined
    let rebuiltBecause: string
    try {
      const index = await readScanIndexFile(this.#indexPath)
      if (index.catalogId === record.id && index.catalogVersion === record.version) {
        this.#index = index
        return { index }
      }
      rebuiltBecause = `${this.#indexPath} holds catalog ${index.catalogId} version ${index.catalogVersion}, not the stored ${record.id} version ${record.version}`
    } catch (err) {
      // Whatever is wrong with the file, the compiled catalog gives the right index.
      rebuiltBecause = (err as { code?: unknown }).code === 'ENOENT' ? `${this.#indexPath} is missing` : (err as Error).message
    }
    const compiled = await this.#loadNewest()
    if (compiled == null) throw new NodeError('ERR_DATA_FOLDER', `the database records catalog ${record.id} version ${record.version} but does not hold it`)
    const index = buildScanIndex(compiled)
    await this.#writeIndex(index)
    this.#index = index
    return { index, rebuiltBecause }
  }

  async #writeIndex (index: ScanIndex): Promise<void> {
    try {
      await writeScanIndexFile(this.#indexPath, index)
    } catch (err) {
      throw new NodeError('ERR_DATA_FOLDER', `cannot write the scan index ${this.#indexPath}: ${(err as Error).message}`, { cause: err })
    }
  }

  async #serially<T> (run: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(run)
    this.#queue = result.catch(() => {})
    return await result
  }
}

/** The example catalog shipped with patchmesh, so a first run shows a real result. */
export const EXAMPLE_CATALOG_PATH = fileURLToPath(new URL('../examples/catalog.xml', import.meta.url))

/** Reads a catalog file (bounded by the catalog size limit) for parsing or import. */
export async function readCatalogFile (path: string, signal?: AbortSignal): Promise<Buffer> {
  return await readInputFile(path, 'catalog', 'ERR_CATALOG_SOURCE', MAX_CATALOG_BYTES, signal)
}
