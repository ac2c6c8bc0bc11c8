import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCliCaptured } from '../helpers/cli.ts'

for (const value of ['-1', 'abc', '1.5']) {
  test(`node start --copies-per-site ${value} exits 2 with a one-line error naming the option`, async () => {
    const { code, stderr } = await runCliCaptured(['node', 'start', '--copies-per-site', value])
    assert.equal(code, 2)
    assert.match(stderr, new RegExp(`--copies-per-site "${value.replace('.', '\\.')}" is not a whole number from 0 to`))
    assert.equal(stderr.split('\n').length, 1)
  })
}

test('node start with a value that looks like an option exits 2 with a one-line error', async () => {
  const { code, stderr } = await runCliCaptured(['node', 'start', '--site', '-x'])
  assert.equal(code, 2)
  assert.match(stderr, /option --site needs a value/)
  assert.equal(stderr.split('\n').length, 1)
})

test('node start --help describes --copies-per-site and its default', async () => {
  const { code, stdout } = await runCliCaptured(['node', 'start', '--help'])
  assert.equal(code, 0)
  assert.match(stdout, /--copies-per-site N[\s\S]*default: 2; 0 turns it off/)
})
