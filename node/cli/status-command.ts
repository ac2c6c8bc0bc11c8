import { parseCommand } from './args.ts'
import { getFromNode, nodeUrl } from './node-client.ts'
import { renderTable } from './table.ts'
import type { CliIo } from './io.ts'
import type { FleetComputer } from '../reports/fleet.ts'

const spec = {
  name: 'patchmesh status',
  help: `Usage: patchmesh status [options]

Shows the patch status of the whole fleet, as the node you ask holds it: every computer with its
site, OS, catalog version, missing patches by severity and when it was last heard from.

Options:
  --node URL     the node to ask (default: the node running on --data, else http://127.0.0.1:8470)
  --data DIR     the data folder of the local node (default: $PATCHMESH_DATA or ./data)
  --json         print { computers: [...] } as the node's /api/v1/computers answers it
  -h, --help     show this help`,
  options: {
    node: { type: 'string' },
    data: { type: 'string' },
    json: { type: 'boolean' }
  }
} as const

/** `patchmesh status`: the fleet table from a node's HTTP interface. */
export async function statusCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(spec, argv)
  if (help) {
    io.out(spec.help)
    return 0
  }
  const base = await nodeUrl(values.node, values.data)
  const { computers } = await getFromNode<{ computers: FleetComputer[] }>(base, '/api/v1/computers', io.signal)
  if (values.json === true) {
    io.out(JSON.stringify({ computers }, null, 2))
    return 0
  }
  io.out(renderFleet(computers, new Date(), io.columns))
  return 0
}

/** The fleet table: most exposed computers first. */
export function renderFleet (computers: FleetComputer[], now: Date, width?: number): string {
  const severities = ['critical', 'important', 'moderate', 'low']
  const rows = [...computers]
    .sort((a, b) => b.summary.missing - a.summary.missing || a.host.localeCompare(b.host))
    .map(c => [
      c.host + (c.self ? ' *' : ''),
      c.site || '-',
      `${c.os} ${c.versionId}`,
      c.catalog == null ? '-' : String(c.catalog.version),
      String(c.summary.missing),
      severities.map(s => String(c.missingBySeverity[s] ?? 0)).join('/'),
      ago(c.lastSeen, now) + (c.stale ? ' (stale)' : '')
    ])
  const stale = computers.filter(c => c.stale).length
  const head = `${computers.length} computer${computers.length === 1 ? '' : 's'}, ${computers.filter(c => c.summary.missing > 0).length} with missing patches${stale > 0 ? `, ${stale} stale` : ''}  (* this node)`
  return `${head}\n\n${renderTable(['COMPUTER', 'SITE', 'OS', 'CATALOG', 'MISSING', 'CRIT/IMP/MOD/LOW', 'LAST SEEN'], rows, { width })}`
}

function ago (iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000))
  if (seconds < 90) return `${seconds}s ago`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)}m ago`
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)}h ago`
  return `${Math.round(seconds / 86400)}d ago`
}
