import { parseBlobId } from '../../protocol/blob-id.ts'
import { installPlan } from '../../protocol/install-plan.ts'
import { PATCH_STATES, describeScan } from '../../protocol/scan-result.ts'
import { acceptedManifests } from '../packages/held-manifests.ts'
import { fleetComputers, fleetPatches } from '../reports/fleet.ts'
import { byUrgency, withCatalog } from '../reports/computers.ts'
import { renderReportPage } from './report-page.ts'
import { error } from './server.ts'
import type { Route, RouteResult } from './server.ts'
import type { TargetedComputer } from '../../protocol/package-target.ts'
import type { AdminDocStore } from '../admin-docs/admin-doc-store.ts'
import type { BlobService } from '../blobs/blob-service.ts'
import type { BlobStore } from '../blobs/blob-store.ts'
import type { FleetStore } from '../fleet/fleet-store.ts'
import type { CatalogStore } from '../scan/catalog-store.ts'
import type { ScanStore } from '../scan/scan-store.ts'

export interface ApiComponents {
  nodeId: string
  mesh: string
  /** @default DEFAULT_STALE_AFTER_MS */
  staleAfterMs?: number
  addresses: () => string[]
  agentVersion: string
  startedAt: string
  inventorySource: string
  catalogs: CatalogStore
  scans: ScanStore
  fleet: FleetStore
  admin: AdminDocStore
  blobStore: BlobStore
  blobs: BlobService
  /** This computer as package targets see it; read per request, as its os is known only after a scan. */
  computer: TargetedComputer
}

/** The routes of the node's HTTP interface: web report at `/`, JSON under `/api/v1/`. */
export function apiRoutes (components: ApiComponents): Route[] {
  const { nodeId, scans, catalogs, fleet } = components
  const fleetEntries = async () => await fleet.list({ now: Date.now(), staleAfterMs: components.staleAfterMs })
  const computers = async () => fleetComputers(await fleetEntries(), nodeId)
  const ownScan = async () => {
    const latest = await scans.latest()
    return latest == null ? undefined : withCatalog(nodeId, latest, await catalogs.newest())
  }

  return [
    {
      path: '/',
      handle: async () => ({ html: renderReportPage(await computers(), await ownScan(), await catalogs.record()) })
    },
    {
      path: '/api/v1/node',
      handle: async () => ({
        json: {
          id: nodeId,
          mesh: components.mesh,
          addresses: components.addresses(),
          agentVersion: components.agentVersion,
          startedAt: components.startedAt,
          inventorySource: components.inventorySource,
          catalog: await catalogs.record() ?? null
        }
      })
    },
    {
      path: '/api/v1/computers',
      handle: async () => ({ json: { computers: await computers() } })
    },
    {
      path: '/api/v1/computers/:id',
      handle: async ({ params, query }) => {
        const state = query.get('state')
        if (state != null && !(PATCH_STATES as readonly string[]).includes(state)) {
          return badRequest(`state "${state}" is not one of ${PATCH_STATES.join(', ')}`)
        }
        const computer = (await computers()).find(c => c.id === params.id)
        if (computer == null) return { status: 404, json: error('ERR_NOT_FOUND', `no computer with id ${params.id ?? ''}`) }
        if (!computer.self) {
          // Other computers report only their missing patches; details come from our copy of the catalog.
          const missing = fleetPatches((await fleetEntries()).filter(e => e.record.node === computer.id), await catalogs.newest())
          return { json: { computer, patches: state == null || state === 'missing' ? missing.map(({ missing: _, sites: __, ...p }) => ({ ...p, state: 'missing' })) : [] } }
        }
        const own = await ownScan()
        // A scan made against a catalog the node no longer holds is summarised only until the rescan lands.
        const patches = own?.catalog == null ? [] : describeScan(own.catalog, own.record, s => state == null || s === state).patches.sort(byUrgency)
        return { json: { computer, patches } }
      }
    },
    {
      path: '/api/v1/patches',
      handle: async () => ({ json: { patches: fleetPatches(await fleetEntries(), await catalogs.newest()) } })
    },
    {
      path: '/api/v1/admin-documents',
      handle: async () => ({
        json: {
          documents: (await components.admin.list()).map(({ message: _, ...doc }) => doc),
          refusals: await components.admin.refusals()
        }
      })
    },
    {
      path: '/api/v1/blobs',
      handle: async () => {
        const held = await components.blobStore.list()
        const reports = await components.blobs.report(held.map(b => b.blobId))
        return { json: { blobs: reports, uploads: components.blobs.uploads } }
      }
    },
    {
      path: '/api/v1/blobs/:blobId',
      handle: async ({ params }) => {
        const problem = blobIdProblem(params.blobId ?? '')
        if (problem != null) return badRequest(problem)
        const [report] = await components.blobs.report([params.blobId ?? ''])
        if (report == null || (report.chunkCount === 0 && report.received == null && Object.keys(report.holdersBySite).length === 0)) {
          return { status: 404, json: error('ERR_NOT_FOUND', `this node neither holds nor fetches blob ${params.blobId ?? ''}`) }
        }
        return { json: report }
      }
    },
    {
      path: '/api/v1/install-plan',
      handle: async () => ({ json: installPlan(await acceptedManifests(components.admin), components.computer, new Date()) })
    },
    {
      path: '/api/v1/scans',
      handle: async () => ({ json: { computer: nodeId, history: await scans.history() } })
    }
  ]
}

function blobIdProblem (text: string): string | undefined {
  try {
    parseBlobId(text, 'blob id')
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

function badRequest (message: string): RouteResult {
  return { status: 400, json: error('ERR_BAD_REQUEST', message) }
}
