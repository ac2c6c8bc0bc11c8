import assert from 'node:assert/strict'
import { FormatError } from '../../protocol/errors.ts'
import type { FormatErrorCode } from '../../protocol/errors.ts'

/** Asserts that `run` throws a FormatError with `code`, within a time that rules out expansion or backtracking. */
export function expectFormatError (run: () => unknown, code: FormatErrorCode): FormatError {
  const started = performance.now()
  let caught: unknown
  try { run() } catch (error) { caught = error }
  assert.ok(performance.now() - started < 2000, 'refused quickly')
  assert.ok(caught instanceof FormatError, `expected FormatError ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}
