import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { DAEMON_NODE_FLAGS, FILL_COMPILE_CACHE_ARGS } from '../../node/cli/daemon-flags.ts'

const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }

test('npm start runs the node with the daemon flags the benchmarks measure it with', () => {
  assert.equal(manifest.scripts.start, `node ${DAEMON_NODE_FLAGS.join(' ')} node/cli/patchmesh.js node start`)
})

test('npm install fills the compile cache with the same flags, so even a first start finds it', () => {
  // V8 accepts cached code only from a run with the same flags.
  assert.equal(manifest.scripts.postinstall, `node ${DAEMON_NODE_FLAGS.join(' ')} node/cli/patchmesh.js ${FILL_COMPILE_CACHE_ARGS.join(' ')} > /dev/null`)
})
