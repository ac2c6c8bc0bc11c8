import { multiaddr } from '@multiformats/multiaddr'
import { usageError } from './args.ts'

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Parses a duration like 500ms, 90s, 30m, 24h or 7d into milliseconds. */
export function parseDuration (command: string, option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  if (match == null) throw usageError(command, `--${option} "${text}" is not a duration; expected a number with a unit: ms, s, m, h or d (e.g. 24h)`)
  return Math.round(Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number))
}

/** Parses HOST:PORT ([::1]:8470 for IPv6); port 0 asks the system for a free port. */
export function parseHostPort (command: string, option: string, text: string): { host: string, port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim())
  const port = Number(match?.[3])
  if (match == null || port > 65535) throw usageError(command, `--${option} "${text}" is not HOST:PORT; expected e.g. 127.0.0.1:8470`)
  return { host: (match[1] ?? match[2]) as string, port }
}

/** Checks a multiaddr given on the command line, e.g. /ip4/0.0.0.0/tcp/4001. */
export function parseMultiaddr (command: string, option: string, text: string): string {
  try {
    return multiaddr(text).toString()
  } catch (err) {
    throw usageError(command, `--${option} "${text}" is not a multiaddr (${(err as Error).message}); expected e.g. /ip4/192.0.2.10/tcp/4001`)
  }
}

/** Bytes a second per unit; bits for network people (20mbit), bytes for disk people (5MB). */
const RATE_UNITS: Record<string, number> = { kbit: 125, mbit: 125_000, gbit: 125_000_000, kb: 1_000, mb: 1_000_000, gb: 1_000_000_000 }

/** Parses a bandwidth like 20mbit, 512kbit or 5MB (per second) into bytes a second. */
export function parseRate (command: string, option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(kbit|mbit|gbit|kb|mb|gb)(?:\/s|ps)?$/i.exec(text.trim())
  const value = match == null ? 0 : Number(match[1]) * (RATE_UNITS[(match[2] as string).toLowerCase()] as number)
  if (match == null || value < 1) throw usageError(command, `--${option} "${text}" is not a bandwidth; expected a number with a unit: kbit, mbit, gbit, kB, MB or GB (per second), e.g. 20mbit`)
  return Math.floor(value)
}

/** Parses a whole number from min to max. */
export function parseCount (command: string, option: string, text: string, min: number, max: number): number {
  const value = /^\d{1,9}$/.test(text.trim()) ? Number(text) : Number.NaN
  if (!(value >= min && value <= max)) throw usageError(command, `--${option} "${text}" is not a whole number from ${min} to ${max}`)
  return value
}
