import { writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'

/** The example catalog patchmesh ships. */
export const EXAMPLE_CATALOG = new URL('../../node/examples/catalog.xml', import.meta.url).pathname

/** A small catalog for one Debian 12 product: P-OPENSSL fixed in 3.0.13-1, P-CURL in 8.0-1 (superseding P-CURL-OLD). */
export function smallCatalog (version = 1): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Catalog xmlns="urn:patchmesh:catalog:1" id="test-catalog" version="${version}" published="2026-11-01T00:00:00Z">
  <Product id="debian-12" name="Debian 12" family="deb"><Detect os="debian" versionId="12"/></Product>
  <Bulletin id="DSA-1" title="openssl security update" severity="critical" released="2026-10-01">
    <Cve>CVE-2026-1001</Cve>
    <Patch id="P-OPENSSL" product="debian-12" kind="deb" reboot="never"><Package name="openssl" fixed="3.0.13-1"/></Patch>
  </Bulletin>
  <Bulletin id="DSA-2" title="curl security update" severity="important" released="2026-10-02">
    <Cve>CVE-2026-1002</Cve>
    <Patch id="P-CURL-OLD" product="debian-12" kind="deb" reboot="never"><Package name="curl" fixed="7.0-1"/></Patch>
    <Patch id="P-CURL" product="debian-12" kind="deb" reboot="never" supersedes="P-CURL-OLD"><Package name="curl" fixed="8.0-1"/></Patch>
  </Bulletin>
  <Bulletin id="DSA-3" title="nginx security update" severity="moderate" released="2026-10-03">
    <Patch id="P-NGINX" product="debian-12" kind="deb" reboot="never"><Package name="nginx" fixed="1.22-1"/></Patch>
  </Bulletin>
</Catalog>
`
}

/** A dpkg status file with the given packages installed. */
export function dpkgStatus (packages: Record<string, string>): string {
  return Object.entries(packages).map(([name, version]) =>
    `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n`).join('\n')
}

export const DEBIAN_12_OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'

/** Writes a scan's inputs into dir: catalog.xml, status, os-release. */
export async function writeScanInputs (dir: string, packages: Record<string, string>, catalogVersion = 1): Promise<{ catalog: string, status: string, osRelease: string }> {
  const paths = { catalog: join(dir, 'catalog.xml'), status: join(dir, 'status'), osRelease: join(dir, 'os-release') }
  await writeFile(paths.catalog, smallCatalog(catalogVersion))
  await writeFile(paths.status, dpkgStatus(packages))
  await writeFile(paths.osRelease, DEBIAN_12_OS_RELEASE)
  return paths
}

/** Replaces a dpkg status file the way dpkg does: write a new file, rename it over the old one. */
export async function replaceDpkgStatus (path: string, packages: Record<string, string>): Promise<void> {
  await writeFile(`${path}-new`, dpkgStatus(packages))
  await rename(`${path}-new`, path)
}
