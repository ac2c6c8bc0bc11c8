import { NodeError } from '../errors.ts'
import { readInputFile } from '../read-input.ts'

export const DEFAULT_OS_RELEASE_PATH = '/etc/os-release'
const MAX_OS_RELEASE_BYTES = 64 * 1024

/** The two os-release fields a catalog's `<Detect os versionId>` matches. */
export interface OsRelease {
  id: string
  versionId: string
}

/** Parses os-release text (shell-style KEY=value lines, optionally quoted). */
export function parseOsRelease (text: string, source = 'os-release'): OsRelease {
  const fields = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (match == null) continue
    fields.set(match[1] as string, unquote(match[2] as string))
  }
  const id = fields.get('ID')
  if (id == null || id === '') throw new NodeError('ERR_INVENTORY_SOURCE', `${source}: field ID missing; expected a line like ID=debian`)
  // Rolling releases (Arch, Debian sid) have no VERSION_ID; an empty one matches only catalogs that say so.
  return { id, versionId: fields.get('VERSION_ID') ?? '' }
}

/** Reads and parses an os-release file. */
export async function readOsRelease (path = DEFAULT_OS_RELEASE_PATH, signal?: AbortSignal): Promise<OsRelease> {
  return parseOsRelease((await readInputFile(path, 'os-release', 'ERR_INVENTORY_SOURCE', MAX_OS_RELEASE_BYTES, signal)).toString('utf8'), path)
}

function unquote (value: string): string {
  const quote = value[0]
  if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
    return value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1')
  }
  return value
}
