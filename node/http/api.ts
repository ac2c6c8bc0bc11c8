import { PATCH_STATES, describeScan, stateAt } from '../../protocol/scan-result.ts'
import { byUrgency, summariseComputer, withCatalog } from '../reports/computers.ts'
import { renderReportPage } from './report-page.ts'
import { error } from './server.ts'
import type { Route, RouteResult } from './server.ts'
import type { ComputerScan } from '../reports/computers.ts'
import type { CatalogStore } from '../scan/catalog-store.ts'
import type { ScanStore } from '../scan/scan-store.ts'
import type { PatchState } from '../../protocol/scan-result.ts'

export interface ApiComponents {
  nodeId: string
  agentVersion: string
  startedAt: string
  inventorySource: string
  catalogs: CatalogStore
  scans: ScanStore
}

/** The routes of the node's HTTP interface: web report at `/`, JSON under `/api/v1/`. */
export function apiRoutes (components: ApiComponents): Route[] {
  const { nodeId, scans, catalogs } = components
  const computers = async (): Promise<ComputerScan[]> => {
    const latest = await scans.latest()
    return latest == null ? [] : [withCatalog(nodeId, latest, await catalogs.newest())]
  }

  return [
    {
      path: '/',
      handle: async () => ({ html: renderReportPage(await computers(), await catalogs.record()) })
    },
    {
      path: '/api/v1/node',
      handle: async () => ({
        json: {
          id: nodeId,
          agentVersion: components.agentVersion,
          startedAt: components.startedAt,
          inventorySource: components.inventorySource,
          catalog: await catalogs.record() ?? null
        }
      })
    },
    {
      path: '/api/v1/computers',
      handle: async () => ({ json: { computers: (await computers()).map(summariseComputer) } })
    },
    {
      path: '/api/v1/computers/:id',
      handle: async (params, query) => {
        const state = query.get('state')
        if (state != null && !(PATCH_STATES as readonly string[]).includes(state)) {
          return badRequest(`state "${state}" is not one of ${PATCH_STATES.join(', ')}`)
        }
        const found = (await computers()).find(c => c.id === params.id)
        if (found == null) return { status: 404, json: error('ERR_NOT_FOUND', `no computer with id ${params.id ?? ''}`) }
        // A scan made against a catalog the node no longer holds is summarised only until the rescan lands.
        const patches = found.catalog == null ? [] : describeScan(found.catalog, found.record, s => state == null || s === state).patches.sort(byUrgency)
        return { json: { computer: summariseComputer(found), catalogHeld: found.catalog != null, patches } }
      }
    },
    {
      path: '/api/v1/patches',
      handle: async () => {
        const patches = new Map<number, { id: string, bulletin: string, title: string, severity: string, cves: string[], computers: Record<PatchState, number> }>()
        for (const { record, catalog } of await computers()) {
          if (catalog == null) continue
          catalog.patches.forEach((patch, index) => {
            let entry = patches.get(index)
            if (entry == null) {
              const bulletin = catalog.bulletins[patch.bulletin]
              entry = { id: patch.id, bulletin: bulletin?.id ?? '', title: bulletin?.title ?? '', severity: bulletin?.severity ?? 'unspecified', cves: bulletin?.cves ?? [], computers: { missing: 0, superseded: 0, installed: 0, 'not-applicable': 0 } }
              patches.set(index, entry)
            }
            entry.computers[stateAt(record, index)]++
          })
        }
        const list = [...patches.values()].sort((a, b) => b.computers.missing - a.computers.missing || a.id.localeCompare(b.id))
        return { json: { patches: list } }
      }
    },
    {
      path: '/api/v1/scans',
      handle: async () => ({ json: { computer: nodeId, history: await scans.history() } })
    }
  ]
}

function badRequest (message: string): RouteResult {
  return { status: 400, json: error('ERR_BAD_REQUEST', message) }
}
