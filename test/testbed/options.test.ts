import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseScenarioArgs } from '../bench/testbed/options.ts'

const FLAGS = { nodes: { default: 8, integer: true, min: 1, help: 'K' } }

test('--help prints the usage line, not an error, and leaves the exit code at 0', (t) => {
  const written: string[] = []
  t.mock.method(process.stdout, 'write', (text: string) => { written.push(text); return true })
  const errors = t.mock.method(process.stderr, 'write', () => true)
  const exitCode = process.exitCode
  t.after(() => { process.exitCode = exitCode })
  process.exitCode = undefined

  assert.equal(parseScenarioArgs(['--help'], 's9', FLAGS), undefined)
  assert.equal(parseScenarioArgs(['-h'], 's9', FLAGS, { systems: false }), undefined)
  assert.equal(errors.mock.callCount(), 0)
  assert.equal(process.exitCode, undefined)
  assert.match(written[0] ?? '', /^usage: npm run bench -- s9 \[--nodes K \(8\)\] \[--systems [a-z,-]+\] .*\[--help\]\n$/)
  assert.doesNotMatch(written[1] ?? '', /--systems/)
})
