import { parsePackageManifest } from '../../protocol/package-manifest.ts'
import type { PackageManifest } from '../../protocol/package-manifest-types.ts'
import type { SignedDocument } from '../../protocol/signatures.ts'
import type { AdminDocStore, HeldAdminDocument } from '../admin-docs/admin-doc-store.ts'

/** The newest manifest of a package that the node holds from the mesh (or its own admins), as verified on arrival. */
export interface HeldManifest {
  manifest: PackageManifest
  /** Its exact bytes with the valid signatures only. */
  document: SignedDocument
  /** 'pending' until k of n admins signed: never installed. */
  state: HeldAdminDocument['state']
  receivedAt: string
}

/** The held manifest of `name`, if any. */
export async function heldManifest (store: AdminDocStore, name: string): Promise<HeldManifest | undefined> {
  const held = await store.get('package-manifest', name)
  return held == null ? undefined : await decode(store, held)
}

/** Every held manifest. */
export async function heldManifests (store: AdminDocStore): Promise<HeldManifest[]> {
  const held = await Promise.all((await store.list('package-manifest')).map(async doc => await decode(store, doc)))
  return held.filter(h => h != null)
}

/** The held manifests a node may install from: accepted by k of n admins, never pending ones. */
export async function acceptedManifests (store: AdminDocStore): Promise<PackageManifest[]> {
  return (await heldManifests(store)).filter(held => held.state === 'accepted').map(held => held.manifest)
}

async function decode (store: AdminDocStore, held: HeldAdminDocument): Promise<HeldManifest | undefined> {
  const message = await store.message('package-manifest', held.name)
  if (message == null) return undefined
  const manifest = parsePackageManifest(message.document.bytes, { source: `held manifest ${held.name}` })
  return { manifest, document: message.document, state: held.state, receivedAt: held.receivedAt }
}
