import { createRequire } from 'node:module'
import { pino } from 'pino'
import type { Logger } from 'pino'
import type PinoPretty from 'pino-pretty'

export type { Logger }

/** The process's root logger: JSON lines on stderr, pretty only when a person is watching a terminal. */
export function createLogger (options: { level?: string, pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env.PATCHMESH_LOG_LEVEL ?? 'info'
  const redact = { paths: ['passphrase', '*.passphrase', 'privateKey', '*.privateKey', 'token', '*.token'], censor: '[redacted]' }
  if (options.pretty ?? process.stderr.isTTY) {
    // Loaded only here: a node run as a service logs JSON and never needs pino-pretty's 30 modules.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty
    return pino({ level, redact }, pretty({ destination: 2, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss' }))
  }
  return pino({ level, redact }, pino.destination({ dest: 2, sync: true }))
}

/** A logger that drops everything, for library code used without a process logger. */
export function silentLogger (): Logger {
  return pino({ level: 'silent' })
}
