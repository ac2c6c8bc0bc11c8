import { parseCatalog } from '../../protocol/catalog.ts'
import { compileCatalog } from '../../protocol/compiled-catalog.ts'
import { scanInventory } from '../../protocol/scan.ts'
import { selectInventoryProvider } from '../inventory/select.ts'
import { byUrgency } from '../reports/computers.ts'
import { EXAMPLE_CATALOG_PATH, readCatalogFile } from '../scan/catalog-store.ts'
import { parseCommand } from './args.ts'
import { renderTable } from './table.ts'
import type { CliIo } from './io.ts'
import type { ScanResult } from '../../protocol/scan-result.ts'

const spec = {
  name: 'patchmesh scan',
  help: `Usage: patchmesh scan [options]

Scans this computer once against a catalog, without a running node, and prints each patch's state:
missing, superseded, installed or not-applicable.

Options:
  --catalog FILE       catalog XML to scan against (default: the example catalog shipped with patchmesh)
  --dpkg-status FILE   read installed packages from this dpkg status file (default: /var/lib/dpkg/status)
  --os-release FILE    os-release file naming the OS (default: /etc/os-release)
  --inventory FILE     read an inventory XML document instead of the package manager
  --rpm                read the rpm database (default when there is no dpkg status file)
  --all                also list not-applicable patches in the table
  --json               print one JSON object: { host, os, versionId, catalog, scannedAt, summary, patches[] }
  -h, --help           show this help

Exit codes: 0 scanned, 1 failure, 2 bad usage or bad input (the error names the file and what was wrong).`,
  options: {
    catalog: { type: 'string' },
    'dpkg-status': { type: 'string' },
    'os-release': { type: 'string' },
    inventory: { type: 'string' },
    rpm: { type: 'boolean' },
    all: { type: 'boolean' },
    json: { type: 'boolean' }
  }
} as const

/** `patchmesh scan`: one scan of this computer, printed as a table or JSON. */
export async function scanCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(spec, argv)
  if (help) {
    io.out(spec.help)
    return 0
  }
  const catalogPath = values.catalog ?? EXAMPLE_CATALOG_PATH
  if (values.catalog == null && values.json !== true) io.err(`note: no --catalog given; scanning against the example catalog ${catalogPath}`)
  const catalog = compileCatalog(parseCatalog(await readCatalogFile(catalogPath, io.signal), { source: catalogPath }), catalogPath)
  const provider = await selectInventoryProvider({
    inventoryFile: values.inventory,
    dpkgStatus: values['dpkg-status'],
    osRelease: values['os-release'],
    rpm: values.rpm
  })
  const result = scanInventory(catalog, await provider.read(io.signal))
  io.out(values.json === true ? JSON.stringify(result, null, 2) : renderScan(result, values.all === true, io.columns))
  return 0
}

/** The human-readable scan report: a summary line, then the patches that matter, most urgent first. */
export function renderScan (result: ScanResult, all: boolean, width?: number): string {
  const { summary } = result
  const head = `${result.host} (${result.os} ${result.versionId}) against catalog ${result.catalog.id} version ${result.catalog.version}: ` +
    `${summary.missing} missing, ${summary.superseded} superseded, ${summary.installed} installed, ${summary['not-applicable']} not applicable`
  const shown = result.patches.filter(p => all || p.state !== 'not-applicable').sort(byUrgency)
  const rows = shown.map(p => [
    p.state,
    p.severity,
    p.id,
    p.supersededBy != null ? `superseded by ${p.supersededBy}` : p.title,
    p.packages.map(pkg => `${pkg.name} ${pkg.installed.map(i => i.version).join(',') || '-'} → ${pkg.fixed}`).join('; ') ||
      (p.missingHotfixes.length > 0 ? `needs ${p.missingHotfixes.join(', ')}` : '')
  ])
  const hidden = all || summary['not-applicable'] === 0 ? '' : `\n(${summary['not-applicable']} not-applicable patches hidden; --all shows them)`
  return `${head}\n\n${rows.length === 0 ? 'no applicable patches' : renderTable(['STATE', 'SEVERITY', 'PATCH', 'TITLE', 'PACKAGES (installed → fixed)'], rows, { width, maxWidths: [undefined, undefined, undefined, 48] })}${hidden}`
}
