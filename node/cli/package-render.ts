import { formatMaintenanceWindow } from '../../protocol/maintenance-window.ts'
import { formatBytes } from './progress.ts'
import { renderTable } from './table.ts'
import type { DraftSettings, DraftTime } from '../../admin/package-draft.ts'
import type { ManifestPatch, PackageTarget } from '../../protocol/package-manifest-types.ts'
import type { PackageView } from '../packages/package-view.ts'

/** Largest first, as --deadline and --expires take them. */
const DURATION_UNITS: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]

/** One package for people: where it stands, its target and deployment, its patches, its refusals. */
export function renderPackage (view: PackageView, width?: number): string {
  const lines = [`Package ${view.name}: ${standing(view)}`]
  const settings = view.draft?.settings
  const patches = view.draft?.patches ?? view.manifest?.patches ?? []
  const retracted = view.draft?.retracted ?? view.manifest?.retracted ?? []
  if (settings != null) lines.push(`  target:     ${target(settings.target)}`, `  deployment: ${deployment(settings)}`)
  lines.push('')
  lines.push(patches.length === 0 ? '(no patches yet)' : renderTable(['PATCH', 'FILE', 'KIND', 'SIZE', 'REBOOT', 'CODES', 'COMMAND'], patches.map(patchRow), { width }))
  if (retracted.length > 0) lines.push('', `Retracted (nodes stop installing them): ${retracted.join(', ')}`)
  if (view.refusals.length > 0) {
    lines.push('', 'Refused manifests (newest first):')
    for (const r of view.refusals.slice(0, 10)) lines.push(`  ${r.at}  ${r.reason}${r.version == null ? '' : ` (version ${r.version})`}: ${r.detail}`)
  }
  return lines.join('\n')
}

/** Every package, one line each. */
export function renderPackageList (views: PackageView[], width?: number): string {
  if (views.length === 0) return 'No packages yet: "patchmesh admin package create NAME" starts one.'
  return renderTable(['PACKAGE', 'PATCHES', 'STANDING'], views.map(v => [v.name, String((v.draft?.patches ?? v.manifest?.patches ?? []).length), standing(v)]), { width })
}

/** Where a package stands, in one line: the draft's stage and the mesh's copy. */
function standing (view: PackageView): string {
  const parts: string[] = []
  const { draft, manifest } = view
  const { needed } = view
  if (draft?.stage === 'editing') {
    const next = Math.max(draft.lastVersion, manifest?.version ?? 0) + 1
    parts.push(`${draft.lastVersion === 0 ? 'new' : `changed since version ${draft.lastVersion}`}: the next sign builds version ${next}`)
  }
  if (draft?.stage === 'built' && draft.frozen != null) parts.push(`version ${draft.frozen.version} built, ${signed(draft.frozen.signers, needed)} here, not yet published`)
  if (manifest != null) parts.push(`the mesh holds version ${manifest.version}, ${manifest.state}, ${signed(manifest.signers, needed)}`)
  else parts.push('never published')
  return parts.join('; ')
}

/** "1 of 2 signatures (KEY)": how far a manifest is from being installable. */
export function signed (signers: string[], needed: number | null): string {
  const count = `${signers.length}${needed == null ? '' : ` of ${needed}`} signature${(needed ?? signers.length) === 1 ? '' : 's'}`
  return signers.length === 0 ? count : `${count} (${signers.join(', ')})`
}

function target (value: PackageTarget | undefined): string {
  if (value == null) return 'every computer'
  return Object.entries(value).map(([list, words]) => `${list} ${(words as string[]).join(', ')}`).join('; ')
}

function deployment (settings: DraftSettings): string {
  const available = settings.available ?? 'when the manifest is built'
  return [
    `available ${available}`,
    `deadline ${time(settings.deadline, 'after available')}`,
    settings.window == null ? 'any time (no window)' : `window ${formatMaintenanceWindow(settings.window)}`,
    `servers ${settings.rebootServers ? 'may reboot' : 'wait for a person to reboot'}`,
    settings.expires == null ? 'never expires' : `expires ${time(settings.expires, 'after it is built')}`
  ].join(', ')
}

function time (value: DraftTime, relative: string): string {
  if ('at' in value) return value.at
  const [unit, ms] = DURATION_UNITS.find(([, ms]) => value.afterMs % ms === 0) ?? ['ms', 1]
  return `${value.afterMs / ms}${unit} ${relative}`
}

function patchRow (patch: ManifestPatch): string[] {
  const codes = patch.rebootCodes.length === 0 ? patch.successCodes.join(' ') : `${patch.successCodes.join(' ')} (reboot ${patch.rebootCodes.join(' ')})`
  return [patch.id, patch.file, patch.kind, formatBytes(patch.size), patch.reboot, codes, patch.command]
}
