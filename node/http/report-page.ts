import { describeScan } from '../../protocol/scan-result.ts'
import { byUrgency } from '../reports/computers.ts'
import type { ComputerScan } from '../reports/computers.ts'
import type { FleetComputer } from '../reports/fleet.ts'
import type { CatalogRecord } from '../scan/catalog-store.ts'

/** The web report: compliance per computer of the fleet, and the patches this computer misses. Server-rendered, no scripts. */
export function renderReportPage (computers: FleetComputer[], own: ComputerScan | undefined, catalog: CatalogRecord | undefined): string {
  const rows = computers.map(c => `<tr${c.stale ? ' class="stale"' : ''}><td>${esc(c.host)}${c.self ? ' (this node)' : ''}<br><small>${esc(c.id)}</small></td><td>${esc(c.site)}</td><td>${esc(`${c.os} ${c.versionId}`)}</td>` +
    `<td>${c.catalog?.version ?? '-'}</td><td class="n">${c.summary.missing}</td><td class="n">${c.summary.superseded}</td>` +
    `<td class="n">${c.summary.installed}</td><td class="n">${c.summary['not-applicable']}</td><td>${esc(c.lastSeen)}${c.stale ? ' (stale)' : ''}</td></tr>`).join('\n')
  const missing = [own].flatMap(scan => (scan?.catalog == null ? [] : describeScan(scan.catalog, scan.record, state => state === 'missing').patches)
    .sort(byUrgency)
    .map(p => `<tr><td>${esc(scan?.record.inventory.host ?? '')}</td><td>${esc(p.id)}</td><td class="sev-${esc(p.severity)}">${esc(p.severity)}</td>` +
      `<td>${esc(p.title)}</td><td>${p.packages.map(pkg => esc(`${pkg.name} ${pkg.installed.map(i => i.version).join(', ')} → ${pkg.fixed}`)).join('<br>')}</td></tr>`))
    .join('\n')
  const catalogLine = catalog == null ? 'no catalog yet' : `catalog ${esc(catalog.id)} version ${catalog.version}, ${catalog.patches} patches`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>patchmesh — fleet compliance</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top}th{background:#f4f4f4}
.n{text-align:right}.stale{color:#999}.sev-critical{color:#b00;font-weight:bold}.sev-important{color:#c60}small{color:#777}
</style></head><body>
<h1>patchmesh — fleet compliance</h1>
<p>${catalogLine}. JSON: <a href="/api/v1/computers">/api/v1/computers</a>, <a href="/api/v1/patches">/api/v1/patches</a>.</p>
<h2>Computers</h2>
<table><thead><tr><th>computer</th><th>site</th><th>OS</th><th>catalog</th><th>missing</th><th>superseded</th><th>installed</th><th>not applicable</th><th>last seen</th></tr></thead>
<tbody>${rows === '' ? '<tr><td colspan="9">no computer yet</td></tr>' : rows}</tbody></table>
<h2>Missing patches on this computer</h2>
<table><thead><tr><th>computer</th><th>patch</th><th>severity</th><th>title</th><th>packages (installed → fixed)</th></tr></thead>
<tbody>${missing === '' ? '<tr><td colspan="5">none</td></tr>' : missing}</tbody></table>
</body></html>
`
}

function esc (text: string): string {
  return text.replace(/[&<>"']/g, ch => `&#${ch.charCodeAt(0)};`)
}
