import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { MAX_CATALOG_BYTES, parseCatalog } from '../../protocol/catalog.ts'
import { compileCatalog } from '../../protocol/compiled-catalog.ts'
import { buildScanIndex } from '../../protocol/scan-index.ts'
import type { ScanIndex } from '../../protocol/scan-index.ts'
import { NodeError } from '../errors.ts'
import { readInputFile } from '../read-input.ts'
import type { CompiledCatalog } from '../../protocol/compiled-catalog.ts'
import { sublevel } from '../db/database.ts'
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

const RECORD_KEY = 'newest-record'
const COMPILED_KEY = 'newest-compiled'
const INDEX_KEY = 'newest-index'

/**
 * Holds the newest verified catalog twice over: compiled for reports, and as a scan index that
 * loads in a fraction of the time, so a scan never re-parses XML nor loads report text.
 */
export class CatalogStore {
  readonly #db: Sublevel<CompiledCatalog | ScanIndex | CatalogRecord>
  #newest?: CompiledCatalog
  #index?: ScanIndex

  constructor (db: NodeDatabase) {
    this.#db = sublevel(db, 'catalogs')
  }

  /** Parses, verifies and stores a catalog document; an older version, or the same version with other content, is refused. */
  async import (bytes: Uint8Array, source: string): Promise<CatalogImport> {
    const compiled = compileCatalog(parseCatalog(bytes, { source }), source)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const held = await this.record()
    if (held != null) {
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
    // One batch so a crash never leaves a record that describes another catalog than the one stored.
    const index = buildScanIndex(compiled)
    await this.#db.batch([
      { type: 'put', key: COMPILED_KEY, value: compiled },
      { type: 'put', key: INDEX_KEY, value: index },
      { type: 'put', key: RECORD_KEY, value: record }
    ])
    this.#newest = compiled
    this.#index = index
    return { record, stored: true }
  }

  /** The record of the newest catalog held, if any. */
  async record (): Promise<CatalogRecord | undefined> {
    return await this.#db.get(RECORD_KEY) as CatalogRecord | undefined
  }

  /** The newest catalog's scan index, loaded once and then kept in memory. */
  async scanIndex (): Promise<ScanIndex | undefined> {
    this.#index ??= await this.#db.get(INDEX_KEY) as ScanIndex | undefined
    return this.#index
  }

  /** The newest compiled catalog (for reports), loaded once and then kept in memory. */
  async newest (): Promise<CompiledCatalog | undefined> {
    this.#newest ??= await this.#db.get(COMPILED_KEY) as CompiledCatalog | undefined
    return this.#newest
  }
}

/** The example catalog shipped with patchmesh, so a first run shows a real result. */
export const EXAMPLE_CATALOG_PATH = fileURLToPath(new URL('../examples/catalog.xml', import.meta.url))

/** Reads a catalog file (bounded by the catalog size limit) for parsing or import. */
export async function readCatalogFile (path: string, signal?: AbortSignal): Promise<Buffer> {
  return await readInputFile(path, 'catalog', 'ERR_CATALOG_SOURCE', MAX_CATALOG_BYTES, signal)
}
