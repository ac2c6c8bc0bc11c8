import { FormatError } from './errors.ts'
import type { Location } from './errors.ts'

/** Day names as Date#getDay numbers them: Sun is 0. */
export const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
export type Weekday = typeof WEEKDAYS[number]

/**
 * When a node may install before a package's deadline, in the node's local time. The window opens
 * at `startMinute` on each of `days` (every day when empty) and closes at `endMinute`, on the same
 * day when it is later than the start, else on the next day: `Sat 22:00-04:00` runs Saturday 22:00
 * to Sunday 04:00.
 */
export interface MaintenanceWindow {
  days: Weekday[]
  /** Minutes after local midnight, 0 to 1439. */
  startMinute: number
  endMinute: number
}

/**
 * Grammar (written in a manifest's `window` attribute):
 *   window = [days " "] time "-" time        e.g. "22:00-04:00" (daily), "Sat,Sun 01:00-05:00"
 *   days   = day *("," day)                  each day at most once
 *   day    = "Mon" / "Tue" / "Wed" / "Thu" / "Fri" / "Sat" / "Sun"
 *   time   = 2DIGIT ":" 2DIGIT               00:00 to 23:59; start and end differ
 */
const WINDOW = /^(?:([A-Za-z,]+) )?([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})$/
const WINDOW_EXPECTED = 'optional days and a time range, such as "Sat 22:00-04:00", "Sat,Sun 01:00-05:00" or "22:00-04:00"'
const MINUTES_PER_DAY = 24 * 60

/** Reads a maintenance window (grammar above); throws FormatError (ERR_SCHEMA) at `location`. */
export function parseMaintenanceWindow (text: string, location: Location = {}): MaintenanceWindow {
  const refuse = (problem: string): FormatError =>
    new FormatError('ERR_SCHEMA', `window "${text.slice(0, 80)}" ${problem}; expected ${WINDOW_EXPECTED}`, location)
  const match = WINDOW.exec(text)
  if (match === null) throw refuse('does not follow the grammar')
  const days: Weekday[] = []
  for (const name of match[1]?.split(',') ?? []) {
    const day = WEEKDAYS.find(weekday => weekday === name)
    if (day === undefined) throw refuse(`names the day "${name}"; days are ${WEEKDAYS.join(', ')}`)
    if (days.includes(day)) throw refuse(`names ${day} twice`)
    days.push(day)
  }
  const startMinute = minutes(match[2], match[3])
  const endMinute = minutes(match[4], match[5])
  if (startMinute === undefined || endMinute === undefined) throw refuse('has a time past 23:59')
  if (startMinute === endMinute) throw refuse('starts and ends at the same time')
  return { days, startMinute, endMinute }
}

/** Writes a window as parseMaintenanceWindow reads it. */
export function formatMaintenanceWindow (window: MaintenanceWindow): string {
  const range = `${clock(window.startMinute)}-${clock(window.endMinute)}`
  return window.days.length === 0 ? range : `${window.days.join(',')} ${range}`
}

/** True when `at`, in the local time of this process, falls inside the window. */
export function isInMaintenanceWindow (window: MaintenanceWindow, at: Date): boolean {
  const minute = at.getHours() * 60 + at.getMinutes()
  const today = at.getDay()
  const opensOn = (day: number): boolean => window.days.length === 0 || window.days.includes(WEEKDAYS[day] as Weekday)
  if (window.startMinute < window.endMinute) return opensOn(today) && minute >= window.startMinute && minute < window.endMinute
  // Crossing midnight: the evening part belongs to today's window, the morning part to yesterday's.
  return (opensOn(today) && minute >= window.startMinute) || (opensOn((today + 6) % 7) && minute < window.endMinute)
}

function minutes (hours: string | undefined, mins: string | undefined): number | undefined {
  const h = Number(hours)
  const m = Number(mins)
  return h < 24 && m < 60 ? h * 60 + m : undefined
}

function clock (minute: number): string {
  if (!Number.isInteger(minute) || minute < 0 || minute >= MINUTES_PER_DAY) {
    throw new FormatError('ERR_SCHEMA', `window minute ${minute}; expected an integer from 0 to ${MINUTES_PER_DAY - 1}`)
  }
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`
}
