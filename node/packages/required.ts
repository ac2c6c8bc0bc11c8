import { SEVERITIES } from '../../protocol/catalog.ts'
import type { FleetPatch } from '../reports/fleet.ts'
import type { PackageView } from './package-view.ts'

/** A package that carries a patch: a manifest the mesh holds (accepted or pending), or a draft not yet published. */
export interface CarryingPackage {
  name: string
  /** null for a draft. */
  version: number | null
  state: 'accepted' | 'pending' | 'draft'
}

/** A patch computers of the fleet miss, and which packages carry it already. */
export interface RequiredPatch extends FleetPatch {
  packages: CarryingPackage[]
  /** Carried by an accepted (fully signed) manifest. */
  approved: boolean
}

/**
 * The patches the fleet requires, most severe and most missed first. Superseded patches are not
 * among them: each computer reports a patch missing only when no patch superseding it applies there.
 */
export function requiredPatches (patches: FleetPatch[], packages: PackageView[]): RequiredPatch[] {
  return patches
    .map(patch => {
      const carrying = packages.flatMap(view => carriers(view, patch.id))
      return { ...patch, packages: carrying, approved: carrying.some(c => c.state === 'accepted') }
    })
    .sort((a, b) => rank(a.severity) - rank(b.severity) || b.missing - a.missing || a.id.localeCompare(b.id))
}

function carriers (view: PackageView, id: string): CarryingPackage[] {
  const { manifest, draft } = view
  if (manifest?.patches.some(p => p.id === id) === true) return [{ name: view.name, version: manifest.version, state: manifest.state }]
  if (draft != null && draft.stage !== 'published' && draft.patches.some(p => p.id === id)) return [{ name: view.name, version: null, state: 'draft' }]
  return []
}

function rank (severity: string): number {
  const i = (SEVERITIES as readonly string[]).indexOf(severity)
  return i === -1 ? SEVERITIES.length : i
}
