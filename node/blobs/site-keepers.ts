import { rendezvousRanking } from './rendezvous.ts'
import type { BlobId } from '../../protocol/blob-id.ts'
import type { PackageTarget } from '../../protocol/package-manifest-types.ts'

/**
 * @default 2 copies per site: when one keeper leaves, its site still holds a copy during the days its
 * record takes to go stale, and the replacement copies it over the LAN instead of the WAN.
 */
export const DEFAULT_COPIES_PER_SITE = 2

/** One fleet-view line, as far as site membership asks (a FleetEntry fits). */
export interface MemberEntry {
  record: { node: string, site: string }
  stale: boolean
}

/**
 * The live members of this node's site: every non-stale record naming the site, and this node itself
 * whatever its record says — a node that counts itself out could leave its site a copy short, one that
 * counts itself in while others do not only adds a copy.
 */
export function liveSiteMembers (entries: Iterable<MemberEntry>, self: { id: string, site: string }): string[] {
  const members = new Set([self.id])
  for (const { record, stale } of entries) if (!stale && record.site === self.site) members.add(record.node)
  return [...members]
}

/**
 * The members that keep a copy of a blob: the first `copies` of the blob's rendezvous ranking. Every
 * site-mate with the same fleet view names the same keepers, and when one leaves only its place is
 * taken, by the next in the ranking.
 */
export function siteKeepers (blobId: BlobId, members: Iterable<string>, copies: number): string[] {
  // Its own key space: the chunk shares of downloads rank `${blob}/${chunk}` over the same members.
  return rendezvousRanking(`site-copy:${blobId}`, members).slice(0, Math.max(0, copies))
}

/** Whether a site keeps copies of a package's files: a package whose target lists sites is kept only in those. */
export function keptInSite (target: PackageTarget | undefined, site: string): boolean {
  return target?.sites == null || target.sites.includes(site)
}
