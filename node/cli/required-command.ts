import { requiredPatches } from '../packages/required.ts'
import { parseCommand } from './args.ts'
import { getFromNode, nodeUrl } from './node-client.ts'
import { listPackages } from './package-options.ts'
import { renderTable } from './table.ts'
import type { RequiredPatch } from '../packages/required.ts'
import type { FleetPatch } from '../reports/fleet.ts'
import type { CliIo } from './io.ts'

const spec = {
  name: 'patchmesh admin required',
  help: `Usage: patchmesh admin required [options]

The patches computers of the fleet miss, as the node you ask holds the fleet's status: most severe
and most missed first, with the bulletin, CVEs, how many computers miss each (per site), and the
packages that carry it. Superseded patches are not offered: a computer counts a patch as missing
only when no newer patch that supersedes it applies to it.

Options:
  --node URL     the node to ask (default: the node running on --data, else http://127.0.0.1:8470)
  --data DIR     the local node's data folder (default: $PATCHMESH_DATA or ./data)
  --json         print { patches: [{ id, bulletin, title, severity, cves, missing, sites,
                 packages: [{ name, version, state }], approved }] }
  -h, --help     show this help`,
  options: { node: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' } }
} as const

/** `patchmesh admin required`: what the fleet misses and what is packaged already. */
export async function requiredCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(spec, argv)
  if (help) {
    io.out(spec.help)
    return 0
  }
  const base = await nodeUrl(values.node, values.data)
  const [{ patches }, packages] = await Promise.all([getFromNode<{ patches: FleetPatch[] }>(base, '/api/v1/patches', io.signal), listPackages(base, io.signal)])
  const required = requiredPatches(patches, packages)
  io.out(values.json === true ? JSON.stringify({ patches: required }, null, 2) : renderRequired(required, io.columns))
  return 0
}

/** The required patches as a table, with a one-line summary. */
export function renderRequired (patches: RequiredPatch[], width?: number): string {
  if (patches.length === 0) return 'No computer of the fleet misses a patch.'
  const approved = patches.filter(p => p.approved).length
  const rows = patches.map(p => [
    p.severity,
    p.id,
    p.bulletin || '-',
    String(p.missing),
    Object.entries(p.sites).sort(([a], [b]) => a.localeCompare(b)).map(([site, count]) => `${site || '(no site)'} ${count}`).join(', '),
    p.packages.length === 0 ? '-' : p.packages.map(c => `${c.name}${c.version == null ? '' : ` v${c.version}`} ${c.state}`).join(', '),
    p.cves.join(' ') || '-'
  ])
  return `${patches.length} patch${patches.length === 1 ? '' : 'es'} missing in the fleet, ${approved} carried by an approved package\n\n` +
    renderTable(['SEVERITY', 'PATCH', 'BULLETIN', 'COMPUTERS', 'SITES', 'PACKAGES', 'CVES'], rows, { width })
}
