import type { DraftSettings, PackageDraft } from '../../admin/package-draft.ts'
import type { ManifestPatch, PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { AdminRefusal } from '../admin-docs/admin-doc-store.ts'
import type { PackageState } from './package-drafts.ts'

/**
 * Where a draft stands against the mesh: `editing` has changes no manifest carries yet; `built` has
 * a manifest (being signed) newer than what the mesh holds; `published` is the manifest the mesh holds.
 */
export type DraftStage = 'editing' | 'built' | 'published'

/** One package as GET /api/v1/packages shows it. */
export interface PackageView {
  name: string
  /** Admin signatures a manifest needs (the mesh file's threshold); null on a one-node mesh without a mesh file. */
  needed: number | null
  /** The newest manifest of this name that the node holds; null when none reached it. */
  manifest: (Omit<PackageManifest, 'mesh' | 'name'> & {
    /** 'pending' until `needed` admins signed: never installed. */
    state: 'accepted' | 'pending'
    signers: string[]
    receivedAt: string
  }) | null
  /** This node's working copy; null when the node has none and holds no manifest to continue from. */
  draft: {
    stage: DraftStage
    patches: ManifestPatch[]
    retracted: string[]
    settings: DraftSettings
    lastVersion: number
    /** The manifest built for signing, and who signed it at this node so far. */
    frozen: { version: number, signers: string[] } | null
    updatedAt: string
  } | null
  /**
   * Recent refusals of manifests of this name, and of manifests refused before their name could be
   * trusted (a signature that does not verify keeps the bytes unread).
   */
  refusals: AdminRefusal[]
}

/** The view of one package from its state, the admin threshold in force and the node's recent refusals. */
export function packageView (name: string, state: PackageState, needed: number | undefined, refusals: AdminRefusal[]): PackageView {
  const { draft, held } = state
  return {
    name,
    needed: needed ?? null,
    manifest: held == null
      ? null
      : {
          version: held.manifest.version,
          state: held.state,
          signers: held.document.signatures.map(s => s.keyId),
          created: held.manifest.created,
          ...(held.manifest.expires == null ? {} : { expires: held.manifest.expires }),
          ...(held.manifest.target == null ? {} : { target: held.manifest.target }),
          deployment: held.manifest.deployment,
          patches: held.manifest.patches,
          retracted: held.manifest.retracted,
          receivedAt: held.receivedAt
        },
    draft: draft == null ? null : draftView(draft, held?.manifest.version),
    refusals: refusals.filter(r => r.kind === 'package-manifest' && (r.name === name || r.name == null))
  }
}

function draftView (draft: PackageDraft, heldVersion: number | undefined): NonNullable<PackageView['draft']> {
  const { frozen } = draft
  const stage: DraftStage = frozen == null ? 'editing' : frozen.version === heldVersion ? 'published' : 'built'
  return {
    stage,
    patches: draft.patches,
    retracted: draft.retracted,
    settings: draft.settings,
    lastVersion: draft.lastVersion,
    frozen: frozen == null ? null : { version: frozen.version, signers: frozen.signatures.map(s => s.keyId) },
    updatedAt: draft.updatedAt
  }
}
