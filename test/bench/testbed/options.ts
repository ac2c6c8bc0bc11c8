// Command-line flags of the testbed scenarios: numbers with defaults, plus --systems, --deadline-seconds, --keep and --help.
import { parseArgs } from 'node:util'
import { SYSTEMS, selectSystems } from './systems/index.ts'
import type { SystemEntry } from './systems/index.ts'

export interface NumberFlag {
  /** undefined: the flag is optional and has no value unless given. */
  default?: number
  integer?: boolean
  /** Smallest value allowed. @default 0 (exclusive for non-integers, inclusive for integers) */
  min?: number
  help: string
}

export interface ScenarioOptions {
  /** The scenario compares systems and takes --systems. @default true */
  systems?: boolean
}

export interface ScenarioArgs<K extends string> {
  values: Record<K, number | undefined>
  systems: SystemEntry[]
  /** undefined: the scenario's own default. */
  deadlineSeconds?: number
  keep: boolean
}

/** A usage line built from the flags. */
export function usage (scenario: string, flags: Record<string, NumberFlag>, options: ScenarioOptions = {}): string {
  const parts = Object.entries(flags).map(([name, f]) => `[--${name} ${f.help}${f.default === undefined ? '' : ` (${f.default})`}]`)
  if (options.systems !== false) parts.push(`[--systems ${SYSTEMS.map(s => s.name).join(',')}]`)
  return `usage: npm run bench -- ${scenario} ${parts.join(' ')} [--deadline-seconds S] [--keep] [--help]`
}

/**
 * Parses argv against the flags. With --help (-h) prints the usage line and returns undefined; on
 * anything wrong prints the error and the usage line, sets exit code 2 and returns undefined.
 */
export function parseScenarioArgs<K extends string> (argv: string[], scenario: string, flags: Record<K, NumberFlag>, options: ScenarioOptions = {}): ScenarioArgs<K> | undefined {
  try {
    const parsed = parseStrict(argv, scenario, flags, options)
    if (parsed === 'help') process.stdout.write(`${usage(scenario, flags, options)}\n`)
    return parsed === 'help' ? undefined : parsed
  } catch (err) {
    if (!(err instanceof RangeError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exitCode = 2
    return undefined
  }
}

function parseStrict<K extends string> (argv: string[], scenario: string, flags: Record<K, NumberFlag>, scenarioOptions: ScenarioOptions): ScenarioArgs<K> | 'help' {
  const line = usage(scenario, flags, scenarioOptions)
  const options: Record<string, { type: 'string' } | { type: 'boolean', short?: string }> = { 'deadline-seconds': { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }
  if (scenarioOptions.systems !== false) options.systems = { type: 'string' }
  for (const name of Object.keys(flags)) options[name] = { type: 'string' }
  let parsed: { values: Record<string, string | boolean | undefined> }
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false }) as typeof parsed
  } catch (err) {
    throw new RangeError(`${(err as Error).message}\n${line}`)
  }
  if (parsed.values.help === true) return 'help'
  const number = (name: string, raw: string | boolean | undefined, f: NumberFlag): number | undefined => {
    if (raw === undefined) return f.default
    const n = Number(raw)
    const min = f.min ?? 0
    const ok = Number.isFinite(n) && (f.integer === true ? Number.isInteger(n) && n >= min : n > min)
    if (!ok) throw new RangeError(`--${name} "${String(raw)}": expected ${f.integer === true ? `a whole number ≥ ${min}` : `a number > ${min}`}\n${line}`)
    return n
  }
  const values = {} as Record<K, number | undefined>
  for (const [name, f] of Object.entries(flags) as Array<[K, NumberFlag]>) values[name] = number(name, parsed.values[name], f)
  return {
    values,
    systems: selectSystems(parsed.values.systems as string | undefined),
    deadlineSeconds: number('deadline-seconds', parsed.values['deadline-seconds'], { help: '' }),
    keep: parsed.values.keep === true
  }
}

/** Mbit/s → bit/s, keeping undefined. */
export const mbit = (value: number | undefined): number | undefined => value === undefined ? undefined : value * 1e6
