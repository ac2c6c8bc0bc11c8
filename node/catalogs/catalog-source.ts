import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { MAX_CATALOG_BYTES, parseCatalog } from '../../protocol/catalog.ts'
import { NodeError } from '../errors.ts'
import { readCatalogFile } from '../scan/catalog-store.ts'
import type { Catalog } from '../../protocol/catalog-types.ts'

/** @default 60 s to download a catalog from its URL. */
export const DEFAULT_CATALOG_DOWNLOAD_TIMEOUT_MS = 60_000

/** A catalog as a source offers it: the exact bytes and what they parse to. */
export interface SourceCatalog {
  bytes: Uint8Array
  catalog: Catalog
  /** The file or URL it came from, for logs. */
  origin: string
}

/**
 * Reads the newest catalog a source offers: the highest version among the *.xml files of a folder
 * (files that do not parse are skipped and reported), or the document at an http(s) URL.
 */
export async function readCatalogSource (source: string, signal?: AbortSignal): Promise<SourceCatalog> {
  return /^https?:\/\//i.test(source) ? await fromUrl(source, signal) : await fromFolder(source, signal)
}

async function fromFolder (dir: string, signal?: AbortSignal): Promise<SourceCatalog> {
  let names: string[]
  try {
    names = (await readdir(dir)).filter(name => name.toLowerCase().endsWith('.xml')).sort()
  } catch (err) {
    throw new NodeError('ERR_CATALOG_SOURCE', `cannot read catalog source folder ${dir}: ${(err as Error).message}`, { cause: err })
  }
  let newest: SourceCatalog | undefined
  const problems: string[] = []
  for (const name of names) {
    const path = join(dir, name)
    try {
      const bytes = await readCatalogFile(path, signal)
      const catalog = parseCatalog(bytes, { source: path })
      if (newest == null || catalog.version > newest.catalog.version) newest = { bytes, catalog, origin: path }
    } catch (err) {
      problems.push((err as Error).message)
    }
  }
  if (newest == null) {
    throw new NodeError('ERR_CATALOG_SOURCE', `catalog source folder ${dir} holds no valid catalog (*.xml)${problems.length > 0 ? `: ${problems.join('; ')}` : ''}`)
  }
  return newest
}

async function fromUrl (url: string, signal?: AbortSignal): Promise<SourceCatalog> {
  const timeout = AbortSignal.timeout(DEFAULT_CATALOG_DOWNLOAD_TIMEOUT_MS)
  let response: Response
  try {
    response = await fetch(url, { signal: signal == null ? timeout : AbortSignal.any([signal, timeout]) })
  } catch (err) {
    throw new NodeError('ERR_CATALOG_SOURCE', `cannot download catalog from ${url}: ${(err as Error).message}`, { cause: err })
  }
  if (!response.ok || response.body == null) throw new NodeError('ERR_CATALOG_SOURCE', `catalog source ${url} answered ${response.status} ${response.statusText}`)
  const parts: Uint8Array[] = []
  let length = 0
  for await (const part of response.body) {
    length += part.byteLength
    if (length > MAX_CATALOG_BYTES) throw new NodeError('ERR_CATALOG_SOURCE', `catalog at ${url} is larger than the limit of ${MAX_CATALOG_BYTES} bytes`)
    parts.push(part)
  }
  const bytes = new Uint8Array(Buffer.concat(parts, length))
  return { bytes, catalog: parseCatalog(bytes, { source: url }), origin: url }
}
