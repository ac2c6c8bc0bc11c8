import { PackageError } from '../../admin/package-errors.ts'
import { heldManifests } from '../packages/held-manifests.ts'
import { packageView } from '../packages/package-view.ts'
import { decodeCreate, decodePatch, decodeSettings, decodeSignature, parseJsonBody } from '../packages/requests.ts'
import { HttpError, error } from './server.ts'
import type { FrozenManifest, PackageDraft } from '../../admin/package-draft.ts'
import type { PackageErrorCode } from '../../admin/package-errors.ts'
import type { MeshFile } from '../../protocol/mesh-file.ts'
import type { AdminDocStore, AdminRefusal } from '../admin-docs/admin-doc-store.ts'
import type { PackageDrafts } from '../packages/package-drafts.ts'
import type { PackageView } from '../packages/package-view.ts'
import type { Route, RouteRequest, RouteResult } from './server.ts'

export interface PackageApiComponents {
  drafts: PackageDrafts
  admin: AdminDocStore
  /** The trust root in force, for the signature threshold; undefined on a one-node mesh. */
  mesh: () => MeshFile | undefined
}

/** What POST /api/v1/control/packages/:name/manifest answers: the exact bytes to sign (base64) and the signatures collected here. */
export interface ManifestToSign extends FrozenManifest {
  name: string
}

/**
 * Status per error code. A name the node does not know is 422, not 404: the CLI's client reads 404 as
 * "no such route" (a node too old for the command).
 */
const STATUS: Partial<Record<PackageErrorCode, number>> = { ERR_PACKAGE_EXISTS: 409, ERR_STALE_MANIFEST: 409 }

/** The package routes: read-only views under /api/v1/packages, and the drafts' control routes for this computer's admin. */
export function packageRoutes (components: PackageApiComponents): Route[] {
  const { drafts } = components
  const view = async (name: string, refusals?: AdminRefusal[]): Promise<PackageView> =>
    packageView(name, await drafts.state(name), components.mesh()?.admins.threshold, refusals ?? await components.admin.refusals())
  const control = (method: 'POST' | 'DELETE', path: string, handle: (request: RouteRequest) => Promise<RouteResult>): Route => ({
    method, path, control: true, handle: async request => await answer(async () => await handle(request))
  })
  const changed = async (draft: PackageDraft, status = 200): Promise<RouteResult> => ({ status, json: await view(draft.name) })
  const json = async ({ body }: RouteRequest): Promise<unknown> => parseJsonBody(await body())

  return [
    {
      path: '/api/v1/packages',
      handle: async () => {
        const names = new Set([...await drafts.draftNames(), ...(await heldManifests(components.admin)).map(h => h.manifest.name)])
        const refusals = await components.admin.refusals()
        return { json: { packages: await Promise.all([...names].sort().map(async name => await view(name, refusals))) } }
      }
    },
    {
      path: '/api/v1/packages/:name',
      handle: async ({ params }) => {
        const name = params.name ?? ''
        const found = await view(name)
        if (found.draft == null && found.manifest == null && !found.refusals.some(r => r.name === name)) return { status: 404, json: error('ERR_NOT_FOUND', `no package named ${name}`) }
        return { json: found }
      }
    },
    control('POST', '/api/v1/control/packages', async request => await changed(await drafts.create(decodeCreate(await json(request))), 201)),
    control('POST', '/api/v1/control/packages/:name/patches/check', async request => {
      return { json: { patch: await drafts.checkPatch(request.params.name ?? '', decodePatch(await json(request)).request) } }
    }),
    control('POST', '/api/v1/control/packages/:name/patches', async request => {
      const { request: patch, blob } = decodePatch(await json(request))
      if (blob == null) throw new PackageError('ERR_BAD_SETTING', 'field "blob" missing: { blobId, indexId, size } of the uploaded file')
      return await changed(await drafts.addPatch(request.params.name ?? '', patch, blob))
    }),
    control('DELETE', '/api/v1/control/packages/:name/patches/:id', async ({ params }) => await changed(await drafts.removePatch(params.name ?? '', params.id ?? ''))),
    control('POST', '/api/v1/control/packages/:name/settings', async request => await changed(await drafts.changeSettings(request.params.name ?? '', decodeSettings(await json(request))))),
    // POST, not GET: the first call builds the manifest version and keeps it.
    control('POST', '/api/v1/control/packages/:name/manifest', async ({ params }) => {
      const { frozen } = await drafts.freeze(params.name ?? '')
      const answer: ManifestToSign = { name: params.name ?? '', ...frozen }
      return { json: answer }
    }),
    control('POST', '/api/v1/control/packages/:name/signatures', async request => {
      const { version, signature } = decodeSignature(await json(request))
      return await changed(await drafts.sign(request.params.name ?? '', version, signature))
    })
  ]
}

/** Runs a control handler, answering a PackageError with its status and stable code. */
async function answer (handle: () => Promise<RouteResult>): Promise<RouteResult> {
  try {
    return await handle()
  } catch (err) {
    if (err instanceof PackageError) throw new HttpError(STATUS[err.code] ?? 422, err.code, err.message)
    throw err
  }
}
