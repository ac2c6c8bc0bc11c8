import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { tempDir } from '../helpers/temp.ts'

const MODULE = new URL('../../node/cli/compile-cache.ts', import.meta.url).pathname
const run = promisify(execFile)

/** enableOwnCompileCache() in a fresh Node process with XDG_CACHE_HOME = base: what it returned. */
async function enableIn (base: string, env: Record<string, string> = {}): Promise<string> {
  const script = `import { enableOwnCompileCache } from ${JSON.stringify(MODULE)}; process.stdout.write(String(enableOwnCompileCache()))`
  // Node reads NODE_DISABLE_COMPILE_CACHE as set even when empty: leave it out unless the test sets it.
  const { NODE_DISABLE_COMPILE_CACHE: _, ...inherited } = process.env
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { ...inherited, ...env, XDG_CACHE_HOME: base } })
  return stdout
}

test('the compile cache goes into a folder of the user\'s own cache that only they can write', async (t) => {
  const base = await tempDir(t)
  const dir = await enableIn(base)
  assert.equal(dir, join(base, 'patchmesh', 'compile-cache'))
  assert.equal((await stat(dir)).mode & 0o077, 0)
})

test('a cache folder that others can write is not used', async (t) => {
  const base = await tempDir(t)
  const dir = join(base, 'patchmesh', 'compile-cache')
  await mkdir(dir, { recursive: true })
  await chmod(dir, 0o777)
  assert.equal(await enableIn(base), 'undefined')
})

test('NODE_DISABLE_COMPILE_CACHE turns the cache off', async (t) => {
  assert.equal(await enableIn(await tempDir(t), { NODE_DISABLE_COMPILE_CACHE: '1' }), 'undefined')
})
