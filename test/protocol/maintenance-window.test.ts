import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { WEEKDAYS, formatMaintenanceWindow, isInMaintenanceWindow, parseMaintenanceWindow } from '../../protocol/maintenance-window.ts'
import { expectFormatError } from '../helpers/format-error.ts'
import type { Weekday } from '../../protocol/maintenance-window.ts'

/** A local time in the week of 2026-11-01 on the given day. */
function at (day: Weekday, time: string): Date {
  const [hours, minutes] = time.split(':').map(Number)
  const date = new Date(2026, 10, 1, hours, minutes)
  while (WEEKDAYS[date.getDay()] !== day) date.setDate(date.getDate() + 1)
  return date
}

describe('parseMaintenanceWindow', () => {
  it('reads a daily window', () => {
    assert.deepEqual(parseMaintenanceWindow('22:00-04:00'), { days: [], startMinute: 1320, endMinute: 240 })
  })

  it('reads a window on listed days', () => {
    assert.deepEqual(parseMaintenanceWindow('Sat,Sun 01:30-05:00'), { days: ['Sat', 'Sun'], startMinute: 90, endMinute: 300 })
  })

  it('writes a window back as it was read', () => {
    for (const text of ['22:00-04:00', 'Sat 22:00-04:00', 'Mon,Wed,Fri 00:00-23:59']) {
      assert.equal(formatMaintenanceWindow(parseMaintenanceWindow(text)), text)
    }
  })

  it('refuses text outside the grammar', () => {
    for (const text of ['', 'Sat', '22:00', '22-04', '22:00 - 04:00', 'Sat  22:00-04:00', '9:00-17:00', 'Sat 22:00-04:00 UTC']) {
      expectFormatError(() => parseMaintenanceWindow(text), 'ERR_SCHEMA')
    }
  })

  it('refuses an unknown or misspelt day', () => {
    assert.match(expectFormatError(() => parseMaintenanceWindow('Saturday 22:00-04:00'), 'ERR_SCHEMA').message, /"Saturday"/)
    expectFormatError(() => parseMaintenanceWindow('sat 22:00-04:00'), 'ERR_SCHEMA')
  })

  it('refuses a day listed twice', () => {
    assert.match(expectFormatError(() => parseMaintenanceWindow('Sat,Sat 22:00-04:00'), 'ERR_SCHEMA').message, /Sat twice/)
  })

  it('refuses a time past 23:59', () => {
    expectFormatError(() => parseMaintenanceWindow('24:00-04:00'), 'ERR_SCHEMA')
    expectFormatError(() => parseMaintenanceWindow('22:00-04:60'), 'ERR_SCHEMA')
  })

  it('refuses a window that starts and ends at the same time', () => {
    expectFormatError(() => parseMaintenanceWindow('04:00-04:00'), 'ERR_SCHEMA')
  })

  it('puts the location it is given into the error', () => {
    const error = expectFormatError(() => parseMaintenanceWindow('soon', { source: 'm.xml', element: 'Deployment', line: 4 }), 'ERR_SCHEMA')
    assert.match(error.message, /^m\.xml, line 4, <Deployment>: window "soon"/)
  })
})

describe('isInMaintenanceWindow', () => {
  it('runs a window that crosses midnight into the next day', () => {
    const window = parseMaintenanceWindow('Sat 22:00-04:00')
    assert.equal(isInMaintenanceWindow(window, at('Sat', '22:00')), true)
    assert.equal(isInMaintenanceWindow(window, at('Sat', '23:59')), true)
    assert.equal(isInMaintenanceWindow(window, at('Sun', '03:59')), true)
  })

  it('is closed outside its hours and on other days', () => {
    const window = parseMaintenanceWindow('Sat 22:00-04:00')
    assert.equal(isInMaintenanceWindow(window, at('Sat', '21:59')), false)
    assert.equal(isInMaintenanceWindow(window, at('Sun', '04:00')), false)
    assert.equal(isInMaintenanceWindow(window, at('Sat', '03:00')), false)
    assert.equal(isInMaintenanceWindow(window, at('Sun', '23:00')), false)
  })

  it('opens every day when no day is listed', () => {
    const window = parseMaintenanceWindow('22:00-04:00')
    for (const day of WEEKDAYS) {
      assert.equal(isInMaintenanceWindow(window, at(day, '23:00')), true)
      assert.equal(isInMaintenanceWindow(window, at(day, '02:00')), true)
      assert.equal(isInMaintenanceWindow(window, at(day, '12:00')), false)
    }
  })

  it('runs a same-day window from its start up to, not including, its end', () => {
    const window = parseMaintenanceWindow('Mon,Thu 01:00-05:00')
    assert.equal(isInMaintenanceWindow(window, at('Thu', '01:00')), true)
    assert.equal(isInMaintenanceWindow(window, at('Thu', '05:00')), false)
    assert.equal(isInMaintenanceWindow(window, at('Tue', '02:00')), false)
  })
})
