import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { DAEMON_NODE_FLAGS } from '../../node/cli/daemon-flags.ts'

test('npm start runs the node with the daemon flags the benchmarks measure it with', async () => {
  const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }
  assert.equal(manifest.scripts.start, `node ${DAEMON_NODE_FLAGS.join(' ')} node/cli/patchmesh.js node start`)
})
