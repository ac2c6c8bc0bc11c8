import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { randomUUID } from 'node:crypto'
import { MAX_BLOB_SIZE } from '../../protocol/chunk-index.ts'
import { parseBlobId } from '../../protocol/blob-id.ts'
import { FormatError } from '../../protocol/errors.ts'
import { HttpError } from './server.ts'
import type { AdminDocuments } from '../admin-docs/admin-documents.ts'
import type { BlobService } from '../blobs/blob-service.ts'
import type { BlobStore } from '../blobs/blob-store.ts'
import type { Logger } from '../log.ts'
import type { Route } from './server.ts'

export interface ControlComponents {
  dataDir: string
  blobs: BlobStore
  exchange: BlobService
  admin: AdminDocuments
  logger: Logger
  /** Gossips an admin message the node accepted from its admin. */
  publishAdmin: (bytes: Uint8Array) => Promise<void>
  /** Scans now and publishes the new status. */
  scan: () => Promise<void>
}

/** The control routes: only this computer's admin, with the node's token (see server.ts). */
export function controlRoutes (components: ControlComponents): Route[] {
  return [
    {
      method: 'PUT',
      path: '/api/v1/control/blobs',
      control: true,
      maxBodyBytes: MAX_BLOB_SIZE,
      // A patch file may be gigabytes: it streams to a file in the data folder, then into the store.
      handle: async ({ incoming, signal }) => {
        const uploads = join(components.dataDir, 'uploads')
        await mkdir(uploads, { recursive: true, mode: 0o700 })
        const path = join(uploads, randomUUID())
        try {
          const declared = Number(incoming.headers['content-length'] ?? 0)
          if (declared > MAX_BLOB_SIZE) throw new HttpError(413, 'ERR_TOO_LARGE', `a blob is at most ${MAX_BLOB_SIZE} bytes`)
          await pipeline(incoming, createWriteStream(path, { mode: 0o600 }), { signal })
          const imported = await components.blobs.importFile(path, { signal })
          return { status: imported.stored ? 201 : 200, json: imported }
        } finally {
          await rm(path, { force: true })
        }
      }
    },
    {
      method: 'POST',
      path: '/api/v1/control/blobs/:blobId/fetch',
      control: true,
      // Starts the fetch and answers at once; progress is at GET /api/v1/blobs/:blobId.
      handle: async ({ params, body }) => {
        const blobId = params.blobId ?? ''
        const { indexId } = parseJson(await body()) as { indexId?: unknown }
        try {
          parseBlobId(blobId, 'blob id')
          if (typeof indexId !== 'string') throw new HttpError(400, 'ERR_BAD_REQUEST', 'body must be { "indexId": "<chunk-index id>" }')
          parseBlobId(indexId, 'field "indexId"')
        } catch (err) {
          if (err instanceof FormatError) throw new HttpError(400, 'ERR_BAD_REQUEST', err.message)
          throw err
        }
        void components.exchange.fetch(blobId, indexId).catch(err => { components.logger.error({ err, blobId }, 'blob fetch failed') })
        return { status: 202, json: { blobId, indexId, fetching: true } }
      }
    },
    {
      method: 'POST',
      path: '/api/v1/control/admin-documents',
      control: true,
      handle: async ({ body }) => {
        const bytes = await body()
        const outcome = await components.admin.offer(bytes, 'control')
        // From the admin, "not newer than held" is a mistake to report, not gossip to shrug off.
        if (outcome.result === 'refused' || (outcome.result === 'known' && outcome.status !== 'replay')) return { status: 422, json: { error: { code: `ERR_${outcome.status.toUpperCase().replaceAll('-', '_')}`, message: outcome.detail }, outcome } }
        if (outcome.result === 'stored' && outcome.kind !== 'unknown' && outcome.name != null) {
          const held = await components.admin.store.get(outcome.kind, outcome.name)
          if (held != null) await components.publishAdmin(new Uint8Array(Buffer.from(held.message, 'base64')))
        }
        return { status: outcome.result === 'stored' ? 201 : 200, json: { outcome } }
      }
    },
    {
      method: 'POST',
      path: '/api/v1/control/scan',
      control: true,
      handle: async () => {
        await components.scan()
        return { json: { scanned: true } }
      }
    }
  ]
}

function parseJson (bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new HttpError(400, 'ERR_BAD_REQUEST', 'body is not JSON')
  }
}
