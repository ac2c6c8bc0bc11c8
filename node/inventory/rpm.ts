import { execFile } from 'node:child_process'
import { hostname } from 'node:os'
import { promisify } from 'node:util'
import { NodeError } from '../errors.ts'
import { DEFAULT_OS_RELEASE_PATH, readOsRelease } from './os-release.ts'
import type { InventoryProvider } from './provider.ts'
import type { InstalledPackage, Inventory } from '../../protocol/inventory-types.ts'

const run = promisify(execFile)

/** @default 60 s: a cold rpm database on a slow disk takes a while, but never minutes. */
export const DEFAULT_RPM_QUERY_TIMEOUT_MS = 60_000
const QUERY_FORMAT = '%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n'

export interface RpmProviderInit {
  /** @default 'rpm' */
  rpmCommand?: string
  /** @default '/etc/os-release' */
  osReleasePath?: string
  /** @default the computer's hostname */
  host?: string
  /** @default DEFAULT_RPM_QUERY_TIMEOUT_MS */
  timeoutMs?: number
}

/** Inventory from the rpm database, asked through the `rpm` command. */
export class RpmInventoryProvider implements InventoryProvider {
  readonly description = 'rpm database'
  // rpm ≥ 4.16 keeps its database in SQLite, older ones in Berkeley DB files.
  readonly watchPaths = ['/var/lib/rpm/rpmdb.sqlite', '/var/lib/rpm/Packages']
  readonly #init: RpmProviderInit

  constructor (init: RpmProviderInit = {}) {
    this.#init = init
  }

  async read (signal?: AbortSignal): Promise<Inventory> {
    const command = this.#init.rpmCommand ?? 'rpm'
    const timeout = AbortSignal.timeout(this.#init.timeoutMs ?? DEFAULT_RPM_QUERY_TIMEOUT_MS)
    let stdout: string
    try {
      ({ stdout } = await run(command, ['-qa', '--qf', QUERY_FORMAT], {
        signal: signal == null ? timeout : AbortSignal.any([signal, timeout]),
        maxBuffer: 64 * 1024 * 1024
      }))
    } catch (err) {
      signal?.throwIfAborted()
      throw new NodeError('ERR_INVENTORY_SOURCE', `cannot query the rpm database with "${command} -qa": ${(err as Error).message.split('\n')[0]}`, { cause: err })
    }
    const os = await readOsRelease(this.#init.osReleasePath ?? DEFAULT_OS_RELEASE_PATH, signal)
    return { host: this.#init.host ?? hostname(), os: os.id, versionId: os.versionId, packages: parseRpmQuery(stdout), hotfixes: [] }
  }
}

/** Parses our `rpm -qa --qf` output; gpg-pubkey entries are keys in the database, not software. */
export function parseRpmQuery (stdout: string): InstalledPackage[] {
  const packages: InstalledPackage[] = []
  for (const line of stdout.split('\n')) {
    const [name, evr, arch] = line.split('\t')
    if (name == null || name === '' || evr == null || name === 'gpg-pubkey') continue
    // rpm prints epoch 0 for packages without one; leaving it out keeps versions as people write them.
    const version = evr.startsWith('0:') ? evr.slice(2) : evr
    packages.push(arch == null || arch === '' || arch === '(none)' ? { name, version } : { name, version, arch })
  }
  return packages
}
