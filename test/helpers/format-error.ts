import assert from 'node:assert/strict'
import { FormatError } from '../../protocol/errors.ts'
import type { FormatErrorCode } from '../../protocol/errors.ts'

/** Asserts that `run` throws a FormatError with `code` (no timing: a shared machine makes any threshold flaky). */
export function expectFormatError (run: () => unknown, code: FormatErrorCode): FormatError {
  let caught: unknown
  try { run() } catch (error) { caught = error }
  assert.ok(caught instanceof FormatError, `expected FormatError ${code}, got ${String(caught)}`)
  assert.equal(caught.code, code, caught.message)
  return caught
}
