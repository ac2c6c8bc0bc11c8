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
    parsed = parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
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
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': return /argument missing/.test(err.message) ? `option ${option} needs a value` : `option ${option} takes no value`
    default: return err.message
  }
}
