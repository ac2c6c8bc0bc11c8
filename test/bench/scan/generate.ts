import type { Bulletin, Catalog, Patch, RebootBehaviour, Severity } from '../../../protocol/catalog-types.ts'
import type { InstalledPackage, Inventory } from '../../../protocol/inventory-types.ts'
import type { PatchState } from '../../../protocol/scan-result.ts'
import { seededRandom } from '../../helpers/random.ts'

export interface ScanDataOptions {
  /** Patches in the catalog, all products together. */
  patches: number
  /** Binary packages the catalog's patches name. */
  packages: number
  seed: number
}

export interface ScanData {
  catalog: Catalog
  catalogXml: string
  inventory: Inventory
  dpkgStatus: string
  osRelease: string
  /** The state of every patch on the generated host, by patch id. */
  expected: Map<string, PatchState>
}

/** The generated host runs debian 12; patches of the debian 11 product are there to be not-applicable. */
const HOST_PRODUCT = 'debian-12'
const OTHER_PRODUCT = 'debian-11'
const OTHER_PRODUCT_SHARE = 0.03
const NATIVE_ARCH = 'amd64'
const FOREIGN_ARCH = 'i386'
const FIRST_DAY_MS = Date.UTC(2023, 5, 10)
const DAYS = 1240
/** dpkg states with the files on disk (DESIGN, "Inventory"), weighted. `half-installed` is left out: apt, and so OpenSCAP, counts it as installed while DESIGN does not. */
const INSTALLED_STATUS: Array<[string, number]> = [['install ok installed', 88], ['hold ok installed', 4], ['deinstall ok installed', 2], ['install ok unpacked', 2], ['install ok half-configured', 2], ['install ok triggers-pending', 2]]
const SEVERITIES: Array<[Severity, number]> = [['critical', 10], ['important', 35], ['moderate', 35], ['low', 15], ['unspecified', 5]]
const REBOOTS: Array<[RebootBehaviour, number]> = [['never', 93], ['may', 5], ['always', 2]]
/** Each starts with its own consonant, so a run of syllables reads back one way only: names never collide. */
const SYLLABLES = ['ba', 'co', 'de', 'fi', 'gu', 'ha', 'ji', 'ko', 'lu', 'me', 'no', 'pa', 'qui', 'ro', 'su', 'ta', 'vi', 'wo', 'xe', 'zy']

type Random = () => number


const int = (rnd: Random, n: number): number => Math.floor(rnd() * n)
function weighted<T> (rnd: Random, table: Array<[T, number]>): T {
  let r = rnd() * table.reduce((sum, [, w]) => sum + w, 0)
  for (const [value, w] of table) if ((r -= w) < 0) return value
  return (table[table.length - 1] as [T, number])[0]
}

/** A Debian version as parts, so each step below can make a strictly greater one by construction. */
interface Version { epoch: number, parts: number[], pre: number, dfsg: boolean, rev: number, update: number }

function versionString (v: Version): string {
  const upstream = v.parts.join('.') + (v.pre > 0 ? `~rc${v.pre}` : '') + (v.dfsg ? '+dfsg' : '')
  const update = v.update > 0 ? `+deb12u${v.update}` : ''
  // rev 0 is a native package: no revision, stable updates go on the upstream part.
  return (v.epoch > 0 ? `${v.epoch}:` : '') + upstream + (v.rev > 0 ? `-${v.rev}` : '') + update
}

function firstVersion (rnd: Random): Version {
  const epoch = weighted(rnd, [[0, 90], [1, 8], [2, 2]])
  const parts = rnd() < 0.6 ? [int(rnd, 12), int(rnd, 30), int(rnd, 20)] : [1 + int(rnd, 12), int(rnd, 40)]
  const native = rnd() < 0.06
  return { epoch, parts, pre: 0, dfsg: !native && rnd() < 0.1, rev: native ? 0 : 1 + int(rnd, 6), update: 0 }
}

/** One release later; each branch says why dpkg orders the result above `v`. */
function nextVersion (rnd: Random, v: Version, epochBump: boolean): Version {
  const freshRev = v.rev > 0 ? 1 : 0
  // 5:x < 6:y for any x, y: the epoch decides first, so upstream may restart low.
  if (epochBump) return { epoch: v.epoch + 1, parts: [0, 1 + int(rnd, 9)], pre: 0, dfsg: false, rev: freshRev, update: 0 }
  // 1.4~rc1 < 1.4: a tilde sorts before the end of the string.
  if (v.pre > 0 && rnd() < 0.6) return { ...v, pre: 0, rev: freshRev, update: 0 }
  const step = weighted(rnd, [['rev', 25], ['update', 35], ['upstream', 22], ['pre', 8], ['dfsg', 7]])
  // 3-1+deb12u4 < 3-2: the revisions differ first at a number.
  if (step === 'rev' && v.rev > 0) return { ...v, rev: v.rev + 1, update: 0 }
  // 3-1 < 3-1+deb12u1 < 3-1+deb12u2: a longer string with '+' sorts after its prefix, then 1 < 2.
  if (step === 'rev' || step === 'update' || (step === 'dfsg' && (v.dfsg || v.rev === 0))) return { ...v, update: v.update + 1 }
  // 2.1 < 2.1+dfsg (whatever the revisions): the upstream parts already differ by the suffix.
  if (step === 'dfsg') return { ...v, dfsg: true, rev: 1, update: 0 }
  // 1.2.9 < 1.3.0 and 1.2.9 < 1.2.10~rc1: the first differing number is higher, before any '~'.
  const parts = [...v.parts]
  const at = parts.length - (rnd() < 0.7 ? 1 : 2)
  for (let i = at; i < parts.length; i++) parts[i] = i === at ? (parts[i] as number) + 1 : 0
  return { ...v, parts, pre: step === 'pre' ? 1 : 0, rev: freshRev, update: 0 }
}

interface Copy { arch: string, status: string, at: number }
interface Binary { name: string, copies: Copy[], leftover?: number }
interface Source {
  name: string
  binaries: Binary[]
  chain: string[]
  /** Patch ids of this source on the host product, oldest first. */
  patchIds: string[]
}

function sourceName (i: number): string {
  let name = ''
  for (let n = i, width = 0; width < 3 || n > 0; width++, n = Math.floor(n / SYLLABLES.length)) name = (SYLLABLES[n % SYLLABLES.length] as string) + name
  return name
}

function makeSources (rnd: Random, packages: number): Source[] {
  const sources: Source[] = []
  for (let made = 0; made < packages;) {
    const name = sourceName(sources.length)
    const count = Math.min(packages - made, weighted(rnd, [[1, 50], [2, 30], [3, 20]]))
    // Shared libraries come first: they are the ones installed for a second architecture.
    const names = count === 1 && rnd() < 0.6 ? [name] : [`lib${name}${1 + int(rnd, 9)}`, name, `${name}-common`].slice(0, count)
    sources.push({ name, binaries: names.map(n => ({ name: n, copies: [] })), chain: [], patchIds: [] })
    made += count
  }
  return sources
}

/** Decides what of a source is installed at which chain position; a patch fixed at index f is missing where a copy sits below f. */
function install (rnd: Random, source: Source): void {
  const top = source.chain.length - 1
  if (rnd() >= 0.75) {
    // Removed but not purged: dpkg keeps the entry, neither side counts it as installed.
    for (const binary of source.binaries) if (rnd() < 0.2) binary.leftover = int(rnd, top)
    return
  }
  const at = rnd() < 0.35 ? top : int(rnd, top)
  const lagging = source.binaries.length > 1 && rnd() < 0.05 ? int(rnd, source.binaries.length) : -1
  source.binaries.forEach((binary, i) => {
    if (i > 0 && rnd() >= 0.8) return
    const status = weighted(rnd, INSTALLED_STATUS)
    const copyAt = i === lagging ? int(rnd, at + 1) : at
    binary.copies.push({ arch: NATIVE_ARCH, status, at: copyAt })
    // Multi-Arch: same copies must have one version (dpkg enforces it), so OpenSCAP seeing only the native one loses nothing.
    if (binary.name.startsWith('lib') && rnd() < 0.15) binary.copies.push({ arch: FOREIGN_ARCH, status, at: copyAt })
  })
}

/** Generates a catalog, a matching host (dpkg status, os-release, inventory) and the state of every patch there. */
export function generateScanData ({ patches, packages, seed }: ScanDataOptions): ScanData {
  const rnd = seededRandom(seed)
  const sources = makeSources(rnd, packages)
  const otherCount = Math.round(patches * OTHER_PRODUCT_SHARE)
  const hostCount = patches - otherCount
  // Every source gets a patch while there are enough; the rest go to a skewed few, as in real advisories.
  const perSource = sources.map((_, i): number => (i < hostCount ? 1 : 0))
  const weights = sources.map(() => rnd() ** 3 + 0.01)
  const total = weights.reduce((a, b) => a + b, 0)
  let sum = 0
  const cumulative = weights.map(w => (sum += w / total))
  for (let left = hostCount - Math.min(hostCount, sources.length); left > 0; left--) {
    const r = rnd()
    let lo = 0
    for (let hi = sources.length - 1; lo < hi;) { const mid = (lo + hi) >> 1; if ((cumulative[mid] as number) < r) lo = mid + 1; else hi = mid }
    perSource[lo] = (perSource[lo] as number) + 1
  }

  const patchList: Array<{ patch: Patch, day: number, fixedAt: number, source: Source }> = []
  sources.forEach((source, s) => {
    const k = perSource[s] as number
    let v = firstVersion(rnd)
    // Epoch bumps are rare in Debian: one in twenty sources, once.
    const bumpAt = rnd() < 0.05 ? 1 + int(rnd, 2 * k + 1) : -1
    for (let i = 0; i < 2 * k + 2; i++, v = nextVersion(rnd, v, i === bumpAt)) source.chain.push(versionString(v))
    // k distinct fix positions above the oldest version, oldest patch first.
    const slots = Array.from({ length: source.chain.length - 1 }, (_, i) => i + 1)
    for (let i = 0; i < k; i++) { const j = i + int(rnd, slots.length - i); [slots[i], slots[j]] = [slots[j] as number, slots[i] as number] }
    const fixes = slots.slice(0, k).sort((a, b) => a - b)
    const days = Array.from({ length: k }, () => int(rnd, DAYS)).sort((a, b) => a - b)
    install(rnd, source)
    fixes.forEach((fixedAt, t) => {
      const id = `PM-${String(patchList.length + 1).padStart(6, '0')}`
      const listed = rnd() < 0.8 ? source.binaries : source.binaries.filter(() => rnd() < 0.6)
      const names = (listed.length > 0 ? listed : source.binaries.slice(0, 1)).map(b => b.name)
      const older = source.patchIds.slice(-3)
      const supersedes: string[] = []
      for (let n = weighted(rnd, [[0, 40], [1, 45], [2, 15]]); n > 0 && older.length > 0; n--) supersedes.push(older.splice(int(rnd, older.length), 1)[0] as string)
      const patch: Patch = { id, bulletinId: '', productId: HOST_PRODUCT, kind: 'deb', reboot: weighted(rnd, REBOOTS), supersedes, packages: names.map(name => ({ name, fixed: source.chain[fixedAt] as string })), hotfixes: [] }
      source.patchIds.push(id)
      patchList.push({ patch, day: days[t] as number, fixedAt, source })
    })
  })

  // One bulletin per host patch, some also fixing the debian 11 product (never applicable here).
  patchList.sort((a, b) => a.day - b.day || (a.patch.id < b.patch.id ? -1 : 1))
  const bulletins: Bulletin[] = []
  const others = new Map<number, number>()
  for (let n = patchList.length > 0 ? otherCount : 0; n > 0; n--) { const i = int(rnd, patchList.length); others.set(i, (others.get(i) ?? 0) + 1) }
  const catalogPatches: Patch[] = []
  patchList.forEach(({ patch, day, source }, i) => {
    const released = new Date(FIRST_DAY_MS + day * 86_400_000).toISOString().slice(0, 10)
    const id = `PMSA-${5000 + i}-1`
    const cves = Array.from({ length: rnd() < 0.1 ? 0 : 1 + int(rnd, 4) }, (_, c) => `CVE-${released.slice(0, 4)}-${10000 + i * 4 + c}`)
    const bulletinPatches = [patch]
    for (let n = others.get(i) ?? 0; n > 0; n--) {
      const fixed = (source.chain[int(rnd, source.chain.length)] as string).replace('deb12u', 'deb11u')
      bulletinPatches.push({ ...patch, id: `${patch.id}-D11${n > 1 ? `-${n}` : ''}`, productId: OTHER_PRODUCT, supersedes: [], packages: patch.packages.map(p => ({ name: p.name, fixed })) })
    }
    for (const p of bulletinPatches) { p.bulletinId = id; catalogPatches.push(p) }
    bulletins.push({ id, title: `${source.name} security update`, severity: weighted(rnd, SEVERITIES), released, cves, patchIds: bulletinPatches.map(p => p.id) })
  })

  const catalog: Catalog = {
    id: `bench-${seed}`,
    version: 1,
    published: '2026-11-01T00:00:00Z',
    expires: '2027-11-01T00:00:00Z',
    products: [
      { id: HOST_PRODUCT, name: 'Debian 12 (bookworm)', family: 'deb', detect: [{ os: 'debian', versionId: '12' }] },
      { id: OTHER_PRODUCT, name: 'Debian 11 (bullseye)', family: 'deb', detect: [{ os: 'debian', versionId: '11' }] }
    ],
    bulletins,
    patches: catalogPatches
  }
  return { catalog, catalogXml: catalogToXml(catalog), ...hostOf(sources), expected: expectedStates(catalogPatches, patchList) }
}

/** The reference evaluation: positions in each source's chain stand in for dpkg ordering. */
function expectedStates (patches: Patch[], hostPatches: Array<{ patch: Patch, fixedAt: number, source: Source }>): Map<string, PatchState> {
  const base = new Map<string, PatchState>(patches.map(p => [p.id, 'not-applicable']))
  for (const { patch, fixedAt, source } of hostPatches) {
    const listed = new Set(patch.packages.map(p => p.name))
    const copies = source.binaries.filter(b => listed.has(b.name)).flatMap(b => b.copies)
    if (copies.length > 0) base.set(patch.id, copies.some(c => c.at < fixedAt) ? 'missing' : 'installed')
  }
  // Supersedes point only to older patches of the same source, so newest-first settles each patch once.
  const liveAbove = new Set<string>()
  const expected = new Map(base)
  const byId = new Map(hostPatches.map(h => [h.patch.id, h.patch]))
  for (const source of new Set(hostPatches.map(h => h.source))) {
    for (const id of [...source.patchIds].reverse()) {
      const live = liveAbove.has(id) || base.get(id) === 'missing' || base.get(id) === 'installed'
      if (liveAbove.has(id) && base.get(id) === 'missing') expected.set(id, 'superseded')
      if (live) for (const older of byId.get(id)?.supersedes ?? []) liveAbove.add(older)
    }
  }
  return expected
}

function hostOf (sources: Source[]): { inventory: Inventory, dpkgStatus: string, osRelease: string } {
  const entries: Array<{ name: string, arch: string, status: string, version: string, source: string, multiArch: boolean }> = []
  for (const source of sources) {
    for (const b of source.binaries) {
      for (const c of b.copies) entries.push({ name: b.name, arch: c.arch, status: c.status, version: source.chain[c.at] as string, source: source.name, multiArch: b.copies.length > 1 })
      if (b.leftover != null) entries.push({ name: b.name, arch: NATIVE_ARCH, status: 'deinstall ok config-files', version: source.chain[b.leftover] as string, source: source.name, multiArch: false })
    }
  }
  // dpkg writes its status file sorted by package name.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : 1))
  const dpkgStatus = entries.map(e => [
    `Package: ${e.name}`, `Status: ${e.status}`, 'Priority: optional', 'Section: libs', `Installed-Size: ${100 + e.name.length * 37}`,
    'Maintainer: Debian Bench Team <bench@example.org>', `Architecture: ${e.arch}`, ...(e.multiArch ? ['Multi-Arch: same'] : []),
    ...(e.name !== e.source ? [`Source: ${e.source}`] : []), `Version: ${e.version}`, 'Depends: libc6 (>= 2.34)',
    `Description: ${e.source} component ${e.name}`, ` Generated for the patchmesh scan benchmark; this line continues the description.`, ''
  ].join('\n')).join('\n')
  const packages: InstalledPackage[] = entries.filter(e => e.status.split(' ')[2] !== 'config-files').map(e => ({ name: e.name, version: e.version, arch: e.arch }))
  return {
    inventory: { host: 'bench-host', os: 'debian', versionId: '12', packages, hotfixes: [] },
    dpkgStatus,
    osRelease: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
  }
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')

/** Serialises a catalog in the DESIGN "Catalog" format (urn:patchmesh:catalog:1). */
export function catalogToXml (catalog: Catalog): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
    `<Catalog xmlns="urn:patchmesh:catalog:1" id="${escapeXml(catalog.id)}" version="${catalog.version}" published="${catalog.published}"${catalog.expires != null ? ` expires="${catalog.expires}"` : ''}>\n`]
  for (const p of catalog.products) {
    out.push(`  <Product id="${escapeXml(p.id)}" name="${escapeXml(p.name)}" family="${p.family}">${p.detect.map(d => `<Detect os="${escapeXml(d.os)}" versionId="${escapeXml(d.versionId)}"/>`).join('')}</Product>\n`)
  }
  const patchById = new Map(catalog.patches.map(p => [p.id, p]))
  for (const b of catalog.bulletins) {
    out.push(`  <Bulletin id="${escapeXml(b.id)}" title="${escapeXml(b.title)}" severity="${b.severity}" released="${b.released}">\n`)
    for (const cve of b.cves) out.push(`    <Cve>${cve}</Cve>\n`)
    for (const id of b.patchIds) {
      const p = patchById.get(id) as Patch
      const supersedes = p.supersedes.length > 0 ? ` supersedes="${escapeXml(p.supersedes.join(' '))}"` : ''
      out.push(`    <Patch id="${escapeXml(p.id)}" product="${escapeXml(p.productId)}" kind="${escapeXml(p.kind)}" reboot="${p.reboot}"${supersedes}>`,
        ...p.packages.map(k => `<Package name="${escapeXml(k.name)}" fixed="${escapeXml(k.fixed)}"/>`), ...p.hotfixes.map(h => `<Hotfix id="${escapeXml(h)}"/>`), '</Patch>\n')
    }
    out.push('  </Bulletin>\n')
  }
  out.push('</Catalog>\n')
  return out.join('')
}
