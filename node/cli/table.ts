/**
 * Renders rows as aligned columns. `maxWidths` caps single columns; on a terminal (`width` given)
 * the last column is cut so lines never wrap, while piped output keeps every character.
 */
export function renderTable (headers: string[], rows: string[][], options: { width?: number, maxWidths?: Array<number | undefined> } = {}): string {
  const widths = headers.map((header, i) => Math.min(
    options.maxWidths?.[i] ?? Infinity,
    Math.max(header.length, ...rows.map(row => (row[i] ?? '').length))))
  const last = widths.length - 1
  if (options.width != null) {
    const fixed = widths.slice(0, -1).reduce((sum, w) => sum + w + 2, 0)
    widths[last] = Math.max(10, Math.min(widths[last] ?? 0, options.width - fixed))
  }
  const line = (cells: string[]) => cells.map((cell, i) => {
    const w = widths[i] ?? 0
    const text = cell.length > w ? cell.slice(0, w - 1) + '…' : cell
    return i === last ? text : text.padEnd(w)
  }).join('  ').trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}
