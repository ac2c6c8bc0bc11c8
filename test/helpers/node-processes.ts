import assert from 'node:assert/strict'
import { join } from 'node:path'
import { CONTROL_TOKEN_FILE, readControlToken } from '../../node/http/control-token.ts'
import { writeScanInputs } from './fixtures.ts'
import { getJson } from './poll.ts'
import { spawnCli, waitForNodeUrl } from './process.ts'
import { tempDir } from './temp.ts'
import type { CliProcess } from './process.ts'
import type { TestContext } from 'node:test'

/** A running `patchmesh node start` process and how it was started, so it can be restarted the same way. */
export interface NodeProcess {
  url: string
  data: string
  proc: CliProcess
  args: string[]
}

/** Starts `patchmesh node start ARGS` and waits until it serves; killed when the test ends. */
export async function startNodeProcess (t: TestContext, data: string, args: string[]): Promise<NodeProcess> {
  const proc = spawnCli(t, ['node', 'start', '--data', data, ...args])
  return { url: await waitForNodeUrl(data, proc), data, proc, args }
}

/** Stops a node with SIGTERM (it must exit 0) and starts it again on the same data folder with the same options. */
export async function restartNodeProcess (t: TestContext, node: NodeProcess): Promise<NodeProcess> {
  node.proc.child.kill('SIGTERM')
  assert.equal(await node.proc.exited, 0, node.proc.stderr())
  return await startNodeProcess(t, node.data, node.args)
}

/**
 * `count` node processes on loopback joined by one mesh file, each in dir/node-I with a small
 * catalog and dpkg status; the first is every other's bootstrap peer.
 */
export async function startMeshProcesses (t: TestContext, dir: string, meshFile: string, count: number): Promise<NodeProcess[]> {
  const nodes: NodeProcess[] = []
  let bootstrap: string[] = []
  for (let i = 0; i < count; i++) {
    const inputs = await writeScanInputs(await tempDir(t), { openssl: '3.0.11-1' })
    const node = await startNodeProcess(t, join(dir, `node-${i}`), ['--mesh', meshFile, '--http', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns',
      ...bootstrap.flatMap(address => ['--bootstrap', address]), '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease])
    nodes.push(node)
    if (i === 0) bootstrap = (await getJson(`${node.url}/api/v1/node`)).body.addresses
  }
  return nodes
}

/** POSTs bytes to a control route with the node's token; the HTTP status and JSON answer. */
export async function postControl (node: NodeProcess, path: string, bytes: Uint8Array): Promise<{ status: number, body: any }> {
  const token = await readControlToken(join(node.data, CONTROL_TOKEN_FILE))
  const res = await fetch(`${node.url}${path}`, { method: 'POST', body: bytes as BodyInit, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' } })
  return { status: res.status, body: await res.json() }
}
