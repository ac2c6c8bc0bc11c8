import type { InstalledPackage } from '../../protocol/inventory-types.ts'

/**
 * dpkg states in which the package's files are on disk (DESIGN, "Inventory"): whatever the
 * administrator wants done with it, such a package can be vulnerable.
 */
const FILES_ON_DISK = new Set(['installed', 'triggers-awaited', 'triggers-pending', 'half-configured', 'unpacked'])

// The four fields we read, at the start of a line; continuation lines start with white space and
// so never match. One native regex pass is several times faster than splitting into lines.
const FIELD = /^(Package|Status|Version|Architecture):(.*)$/gm

/** The installed packages of a dpkg status file, one entry per architecture copy. */
export function parseDpkgStatus (text: string): InstalledPackage[] {
  const packages: InstalledPackage[] = []
  let name = ''
  let version = ''
  let arch = ''
  let status = ''
  let paragraphEnd = text.indexOf('\n\n')
  const flush = (): void => {
    if (name !== '' && version !== '' && FILES_ON_DISK.has(status.split(/\s+/)[2] ?? '')) {
      packages.push(arch === '' ? { name, version } : { name, version, arch })
    }
    name = version = arch = status = ''
  }
  for (const match of text.matchAll(FIELD)) {
    if (paragraphEnd >= 0 && match.index > paragraphEnd) {
      flush()
      paragraphEnd = text.indexOf('\n\n', match.index)
    }
    const value = (match[2] as string).trim()
    switch (match[1]) {
      case 'Package': name = value; break
      case 'Version': version = value; break
      case 'Architecture': arch = value; break
      case 'Status': status = value; break
    }
  }
  flush()
  return packages
}
