import { parseArgs } from 'node:util'
import { NodeError } from '../errors.ts'
import type { ParseArgsOptionsConfig } from 'node:util'

/** A CLI command: its help text and the options it accepts. */
export interface CommandSpec<T extends ParseArgsOptionsConfig> {
  /** e.g. "patchmesh scan". */
  name: string
  help: string
  options: T
  /** How many positional arguments it takes. @default 0 */
  positionals?: { min: number, max: number }
}

/** Parses argv strictly: unknown flags, missing values and stray arguments are ERR_USAGE naming the command. */
export function parseCommand<T extends ParseArgsOptionsConfig> (spec: CommandSpec<T>, argv: string[]) {
  let parsed
  try {
    parsed = parseArgs({ args: negativeValuesJoined(argv, spec.options), options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (err) {
    throw usageError(spec.name, describeParseError(err as Error & { code?: string }))
  }
  const { min, max } = spec.positionals ?? { min: 0, max: 0 }
  const help = (parsed.values as { help?: boolean }).help === true
  if (!help && (parsed.positionals.length < min || parsed.positionals.length > max)) {
    throw usageError(spec.name, parsed.positionals.length > max
      ? `unexpected argument "${parsed.positionals[max] ?? ''}"`
      : `expected ${min} argument${min === 1 ? '' : 's'}, got ${parsed.positionals.length}`)
  }
  return { values: parsed.values, positionals: parsed.positionals, help }
}

/** An ERR_USAGE error that points at the command's --help. */
export function usageError (command: string, problem: string): NodeError {
  return new NodeError('ERR_USAGE', `${command}: ${problem} (see ${command} --help)`)
}

function describeParseError (err: Error & { code?: string }): string {
  // node:util's messages are long and suggest `--` tricks; keep the part that names the option.
  const option = /'(-[^']*)'/.exec(err.message)?.[1] ?? ''
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option ${option}`
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/argument missing/.test(err.message)) return `option ${option} needs a value`
      // The value given looks like an option; node:util's three-line advice, in one line.
      if (/ambiguous/.test(err.message)) return `option ${option} needs a value (one that starts with a dash is written ${option}=VALUE)`
      return `option ${option} takes no value`
    default: return err.message
  }
}

/**
 * `--count -1` as `--count=-1`: node:util calls a value that starts with a dash ambiguous, but a
 * negative number is no option here, and the value's own check says better what is wrong with it.
 */
function negativeValuesJoined (argv: string[], options: ParseArgsOptionsConfig): string[] {
  const joined: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') return [...joined, ...argv.slice(i)]
    const next = argv[i + 1]
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    if (name != null && options[name]?.type === 'string' && next != null && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`)
      i++
    } else {
      joined.push(arg)
    }
  }
  return joined
}
