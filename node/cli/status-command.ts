import { setTimeout as sleep } from 'node:timers/promises'
import { parseCommand, usageError } from './args.ts'
import { getFromNode, nodeUrl } from './node-client.ts'
import { renderTable } from './table.ts'
import { renderTransfers } from './transfers-render.ts'
import type { CliIo } from './io.ts'
import type { Transfers } from './transfers-render.ts'
import type { FleetComputer } from '../reports/fleet.ts'

/** @default 1 s between refreshes of the live transfers view: figures move visibly, the node barely notices. */
const TRANSFERS_REFRESH_MS = 1_000
const FOLLOWING = '(refreshing every second; Ctrl-C stops watching, not the downloads)'

const spec = {
  name: 'patchmesh status',
  help: `Usage: patchmesh status [options]

Shows the patch status of the whole fleet, as the node you ask holds it: every computer with its
site, OS, catalog version, missing patches by severity and when it was last heard from.

With --transfers, shows the node's blob transfers instead: per blob its progress, the peers that
hold it in each site, and the bytes received from this site and from other sites (incomplete
blobs first), plus what the node served to peers. On a terminal the view refreshes every second
until every blob is complete (Ctrl-C stops watching; the node's downloads go on); otherwise, or
with --once, it prints once.

Options:
  --node URL     the node to ask (default: the node running on --data, else http://127.0.0.1:8470)
  --data DIR     the data folder of the local node (default: $PATCHMESH_DATA or ./data)
  --transfers    show blob transfers instead of the fleet
  --once         with --transfers: print the transfers once, even on a terminal
  --json         print the node's answer once: { computers: [...] } from /api/v1/computers, or
                 with --transfers { blobs: [...], uploads: {...} } from /api/v1/blobs
  -h, --help     show this help`,
  options: {
    node: { type: 'string' },
    data: { type: 'string' },
    transfers: { type: 'boolean' },
    once: { type: 'boolean' },
    json: { type: 'boolean' }
  }
} as const

/** `patchmesh status`: the fleet table (or with --transfers the blob transfers) from a node's HTTP interface. */
export async function statusCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(spec, argv)
  if (help) {
    io.out(spec.help)
    return 0
  }
  if (values.once === true && values.transfers !== true) throw usageError(spec.name, '--once goes with --transfers (the fleet table always prints once)')
  const base = await nodeUrl(values.node, values.data)
  if (values.transfers === true) {
    return await transfersView(base, io, { json: values.json === true, once: values.once === true })
  }
  const { computers } = await getFromNode<{ computers: FleetComputer[] }>(base, '/api/v1/computers', io.signal)
  if (values.json === true) {
    io.out(JSON.stringify({ computers }, null, 2))
    return 0
  }
  io.out(renderFleet(computers, new Date(), io.columns))
  return 0
}

/** Prints the node's transfers; on a terminal redraws them every TRANSFERS_REFRESH_MS until every blob is complete or the person interrupts. */
async function transfersView (base: string, io: CliIo, options: { json: boolean, once: boolean }): Promise<number> {
  const get = async (): Promise<Transfers> => await getFromNode<Transfers>(base, '/api/v1/blobs', io.signal)
  if (options.json) {
    const { blobs, uploads } = await get()
    io.out(JSON.stringify({ blobs, uploads }, null, 2))
    return 0
  }
  const redraw = options.once ? undefined : io.redraw
  if (redraw == null) {
    io.out(renderTransfers(await get(), { width: io.columns }))
    return 0
  }
  // One line for the "refreshing" note and one for the cursor, so the frame never scrolls out of reach.
  const layout = { width: io.columns, height: io.rows == null ? undefined : io.rows - 2 }
  let transfers: Transfers | undefined
  try {
    while ((transfers = await get()).blobs.some(b => !b.complete)) {
      redraw(`${renderTransfers(transfers, layout)}\n${FOLLOWING}`)
      await sleep(TRANSFERS_REFRESH_MS, undefined, { signal: io.signal })
    }
  } catch (err) {
    // Ctrl-C is how a person stops watching (a request it cut short is no unreachable node): not a failure.
    if (!io.signal.aborted) throw err
  }
  // The last state stays on screen, without the note that it refreshes.
  if (transfers != null) redraw(renderTransfers(transfers, layout))
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
