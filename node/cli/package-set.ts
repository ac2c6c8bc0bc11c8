import { parseCommand, usageError } from './args.ts'
import { CONTROL_OPTIONS, controlOptionsHelp, changePackage, helpOf, packagePath, printView } from './package-options.ts'
import { signingTarget } from './signing.ts'
import { parseDuration } from './values.ts'
import type { DraftTime } from '../../admin/package-draft.ts'
import type { CliIo } from './io.ts'

/** A date, or a date and time with its zone: local times without a zone mean different moments on different computers. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/
const TIME_EXPECTED = 'a date (2026-12-01), a time with its zone (2026-12-01T22:00:00Z)'

const spec = {
  name: 'patchmesh admin package set',
  help: `Usage: patchmesh admin package set NAME [options]

Changes which computers a package is for and when they install it. Only the options given change.
The change goes into the package's next manifest version (sign and publish it).

Target (a computer must match every list given; no list: every computer):
  --sites LIST              comma-separated site names, e.g. hq,branch-1 ("" clears)
  --tags LIST               comma-separated tags ("" clears)
  --os LIST                 comma-separated os-release IDs, e.g. debian,rhel,windows ("" clears)

Deployment:
  --available TIME|now      not installed before this time (default: now, when the manifest is built)
  --deadline TIME|DURATION  installed by then, inside the window or not; a duration counts from
                            available, e.g. 7d (the default)
  --window WINDOW|none      maintenance window in each computer's local time, e.g. "Sat 22:00-04:00",
                            "Sat,Sun 01:00-05:00" or "22:00-04:00" (daily); none: any time
  --reboot-servers yes|no   whether servers may reboot by themselves after installing (default no:
                            they wait for a person)
  --expires TIME|DURATION|never
                            nodes refuse the manifest after this time; a duration counts from when
                            the manifest is built (default never)

TIME is ${TIME_EXPECTED}; DURATION is a number with a unit: m, h or d.

Options:
${controlOptionsHelp()}`,
  options: {
    ...CONTROL_OPTIONS,
    sites: { type: 'string' },
    tags: { type: 'string' },
    os: { type: 'string' },
    available: { type: 'string' },
    deadline: { type: 'string' },
    window: { type: 'string' },
    'reboot-servers': { type: 'string' },
    expires: { type: 'string' }
  },
  positionals: { min: 1, max: 1 }
} as const

/** `patchmesh admin package set NAME`: target and deployment settings. */
export async function packageSetCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(spec, argv)
  if (help) return helpOf(io, spec.help)
  const command = spec.name
  const change: Record<string, unknown> = {}
  for (const list of ['sites', 'tags', 'os'] as const) {
    const text = values[list]
    if (text != null) change[list] = text.split(',').map(word => word.trim()).filter(word => word !== '')
  }
  if (values.available != null) change.available = values.available === 'now' ? null : time(command, 'available', values.available)
  if (values.deadline != null) change.deadline = draftTime(command, 'deadline', values.deadline)
  if (values.expires != null) change.expires = values.expires === 'never' ? null : draftTime(command, 'expires', values.expires)
  if (values.window != null) change.window = values.window === 'none' ? null : values.window
  const reboot = values['reboot-servers']
  if (reboot != null) {
    if (reboot !== 'yes' && reboot !== 'no') throw usageError(command, `--reboot-servers "${reboot}"; expected yes or no`)
    change.rebootServers = reboot === 'yes'
  }
  if (Object.keys(change).length === 0) throw usageError(command, 'nothing to change; give at least one of --sites, --tags, --os, --available, --deadline, --window, --reboot-servers, --expires')
  const name = positionals[0] as string
  const view = await changePackage(await signingTarget(values), 'POST', packagePath(name, 'settings'), change, io.signal)
  printView(io, view, values.json, `Changed package ${name}: its next version carries this.`)
  return 0
}

function time (command: string, option: string, text: string): string {
  const ms = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(ms)) throw usageError(command, `--${option} "${text}" is not a time; expected ${TIME_EXPECTED}`)
  return new Date(ms).toISOString()
}

function draftTime (command: string, option: string, text: string): DraftTime {
  return /^\d{4}-/.test(text) ? { at: time(command, option, text) } : { afterMs: parseDuration(command, option, text) }
}
