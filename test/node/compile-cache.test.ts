import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, mkdir, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { writeScanInputs } from '../helpers/fixtures.ts'
import { pollUntil } from '../helpers/poll.ts'
import { CLI, spawnCli, waitForNodeUrl } from '../helpers/process.ts'
import { tempDir } from '../helpers/temp.ts'

const MODULE = new URL('../../node/cli/compile-cache.js', import.meta.url).pathname
const run = promisify(execFile)
// Node reads NODE_DISABLE_COMPILE_CACHE as set even when empty, and NODE_COMPILE_CACHE would turn the cache on before our code does.
const { NODE_DISABLE_COMPILE_CACHE: _, NODE_COMPILE_CACHE: __, ...inherited } = process.env

/** enableOwnCompileCache() in a fresh Node process with XDG_CACHE_HOME = base: what it returned. */
async function enableIn (base: string, env: Record<string, string> = {}): Promise<string> {
  const script = `import { enableOwnCompileCache } from ${JSON.stringify(MODULE)}; process.stdout.write(String(enableOwnCompileCache()))`
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

/** Runs `patchmesh ARGS` with XDG_CACHE_HOME = base; says whether the process loaded Node's type stripper. */
async function loadsTypeStripper (base: string, args: string[]): Promise<boolean> {
  const report = 'data:text/javascript,process.on("exit", () => process.stderr.write("stripper:" + process.moduleLoadList.some(m => m.includes("amaro"))))'
  const { stderr } = await run(process.execPath, ['--import', report, CLI, ...args], { env: { ...inherited, XDG_CACHE_HOME: base } })
  const said = /stripper:(true|false)/.exec(stderr)
  assert.ok(said != null, `no report in ${stderr}`)
  return said[1] === 'true'
}

test('from its second start on, the patchmesh command takes every TypeScript module stripped from the cache', async (t) => {
  const base = await tempDir(t)
  // "node start --help" imports the whole node: agent, mesh, blob store, HTTP.
  assert.equal(await loadsTypeStripper(base, ['node', 'start', '--help']), true)
  assert.equal(await loadsTypeStripper(base, ['node', 'start', '--help']), false)
})

/** How many files the compile cache folders under base hold. */
async function cachedFiles (base: string): Promise<number> {
  const root = join(base, 'patchmesh', 'compile-cache')
  let count = 0
  for (const version of await readdir(root)) count += (await readdir(join(root, version))).length
  return count
}

test('a node saves its compile cache once started: killed, it still finds the cache at its next start', async (t) => {
  const base = await tempDir(t)
  const dir = await tempDir(t)
  const inputs = await writeScanInputs(dir, { openssl: '3.0.11-1' })
  const data = join(dir, 'data')
  const node = spawnCli(t, ['node', 'start', '--data', data, '--http', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease], { XDG_CACHE_HOME: base })
  await waitForNodeUrl(data, node)
  // Node writes the cache in one go: wait until the count holds still.
  let seen = -1
  await pollUntil(async () => {
    const now = await cachedFiles(base)
    const settled = now > 0 && now === seen
    seen = now
    return settled ? true : undefined
  }, 'the compile cache to be written', 20_000, 200)
  node.child.kill('SIGKILL')
  await node.exited
  assert.equal(await loadsTypeStripper(base, ['node', 'start', '--help']), false)
})
