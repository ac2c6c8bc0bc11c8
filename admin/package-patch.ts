import { REBOOT_BEHAVIOURS } from '../protocol/catalog.ts'
import { FormatError } from '../protocol/errors.ts'
import { fileNameProblem, resolveInstallerSettings } from '../protocol/installer-defaults.ts'
import { MAX_PATCH_TIMEOUT_SECONDS } from '../protocol/package-manifest.ts'
import { PackageError } from './package-errors.ts'
import type { RebootBehaviour } from '../protocol/catalog-types.ts'
import type { ManifestPatch } from '../protocol/package-manifest-types.ts'

/** What an admin says about one patch of a package; left out, the installer kind's defaults and the catalog's reboot behaviour apply. */
export interface PatchRequest {
  /** The catalog's patch id. */
  id: string
  /** Plain file name the installer is given. */
  file: string
  command?: string
  successCodes?: number[]
  rebootCodes?: number[]
  reboot?: RebootBehaviour
  timeoutSeconds?: number
}

/** A patch's settings before its file is in the blob store. */
export type PatchSettings = Omit<ManifestPatch, 'blob' | 'index' | 'size'>

/** What a catalog says of a patch that a package needs: its installer kind and how it reboots. */
export interface CatalogPatchFacts {
  id: string
  kind: string
  reboot: string
}

/** @default 1 hour: long enough for a service pack, short enough that a hung installer is noticed the same night. */
export const DEFAULT_PATCH_TIMEOUT_SECONDS = 3600

/** The settings of a patch: the admin's, else the defaults of its installer kind; throws PackageError (ERR_BAD_SETTING). */
export function resolvePatchSettings (patch: CatalogPatchFacts, request: PatchRequest): PatchSettings {
  const where = `patch ${patch.id}`
  const fileProblem = fileNameProblem(request.file)
  if (fileProblem !== undefined) throw new PackageError('ERR_BAD_SETTING', `${where}: file name "${request.file.slice(0, 80)}" ${fileProblem}`)
  let installer
  try {
    installer = resolveInstallerSettings(patch.kind, { command: request.command, successCodes: request.successCodes, rebootCodes: request.rebootCodes })
  } catch (err) {
    if (err instanceof FormatError) throw new PackageError('ERR_BAD_SETTING', `${where}: ${err.message}`, { cause: err })
    throw err
  }
  const reboot = request.reboot ?? patch.reboot
  if (!(REBOOT_BEHAVIOURS as readonly string[]).includes(reboot)) {
    throw new PackageError('ERR_BAD_SETTING', `${where}: reboot "${reboot}"; expected one of ${REBOOT_BEHAVIOURS.join(', ')}`)
  }
  const timeoutSeconds = request.timeoutSeconds ?? DEFAULT_PATCH_TIMEOUT_SECONDS
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_PATCH_TIMEOUT_SECONDS) {
    throw new PackageError('ERR_BAD_SETTING', `${where}: timeout ${timeoutSeconds} s; expected whole seconds from 1 to ${MAX_PATCH_TIMEOUT_SECONDS}`)
  }
  return { id: patch.id, file: request.file, kind: patch.kind, ...installer, reboot: reboot as RebootBehaviour, timeoutSeconds }
}
