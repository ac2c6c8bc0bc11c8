// The system under test: a `patchmesh node start` daemon on every node, as a fleet runs them. The
// seed imports the file into its blob store (`patchmesh blob add`); every other node fetches it with
// `patchmesh blob get`, which returns when its node holds the whole blob, verified. Daemons start
// before the clock does and wait until every fleet view holds every node, as a running fleet would.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { MESH_FILE_NAME, createMesh } from '../../../../admin/mesh-init.ts'
import { CONTROL_TOKEN_FILE, readControlToken } from '../../../../node/http/control-token.ts'
import { DAEMON_NODE_FLAGS } from '../../../../node/cli/daemon-flags.ts'
import { CLI } from '../../../helpers/process.ts'
import { daemonEnv } from '../../daemon-env.ts'
import { nsRun } from '../netns.ts'
import { describeExit } from '../processes.ts'
import type { TestbedNode } from '../topology.ts'
import type { DistributionSystem, FetchState, NodeFetch, SystemContext } from './types.ts'

/** Every daemon's HTTP interface, on all of its node's addresses. */
export const HTTP_PORT = 8470
const P2P_PORT = 4001
/** @default 60 s for every daemon to start and see the whole fleet. */
const READY_TIMEOUT_MS = 60_000
const LOCAL_NODE = `http://127.0.0.1:${HTTP_PORT}`

/** The passphrase of the testbed mesh's keys (admin-1.key, catalog-signer.key in `<dir>/mesh`). */
export const TESTBED_PASSPHRASE = 'testbed only'

/** What starting the daemons needs: the harness's context, without the file. */
export type FleetContext = Pick<SystemContext, 'bed' | 'processes' | 'dir' | 'signal'>

/** A node's data folder. */
export const nodeDataDir = (ctx: FleetContext, node: TestbedNode): string => join(ctx.dir, node.name, 'data')
const nodeArgs = (ctx: FleetContext, node: TestbedNode): string[] => ['--node', LOCAL_NODE, '--token-file', join(nodeDataDir(ctx, node), CONTROL_TOKEN_FILE)]

/** patchmesh's own blob distribution. */
export function patchmesh (): DistributionSystem {
  let blob: { blobId: string, indexId: string } | undefined

  return {
    name: 'patchmesh',
    programs: ['curl'],

    async prepare (ctx: SystemContext): Promise<void> {
      await startFleet(ctx)
      blob = JSON.parse(await patchmeshCli(ctx, ctx.bed.seed, ['blob', 'add', ctx.file.path, '--json'])) as { blobId: string, indexId: string }
    },

    async startNode (node: TestbedNode, ctx: SystemContext): Promise<NodeFetch> {
      if (blob == null) throw new Error('prepare() did not run')
      const proc = await ctx.processes.start({
        ns: node.ns,
        command: process.execPath,
        args: [CLI, 'blob', 'get', blob.blobId, '--index', blob.indexId, ...nodeArgs(ctx, node)],
        logPath: join(ctx.dir, node.name, 'blob-get.log'),
        label: `blob-get@${node.name}`
      })
      return {
        node,
        outputPath: join(nodeDataDir(ctx, node), 'blobs', blob.blobId),
        state: async (): Promise<FetchState> => proc.exit === undefined
          ? { state: 'running' }
          : proc.exit.code === 0 ? { state: 'complete', at: proc.exit.at } : { state: 'failed', at: proc.exit.at, reason: `blob get ${describeExit(proc.exit)}` }
      }
    }
  }

}

/**
 * Starts a daemon on every node, the seed first and the others bootstrapping from it, and waits until
 * every fleet view holds every node; returns each node's peer id by node name.
 */
export async function startFleet (ctx: FleetContext): Promise<Map<string, string>> {
  const { bed } = ctx
  // One mesh for the whole testbed: S1-S3 need only its name, S4 also signs manifests with its admin key.
  await createMesh({ name: 'testbed', dir: join(ctx.dir, 'mesh'), passphrase: TESTBED_PASSPHRASE })
  const seedId = await startDaemon(ctx, bed.seed, [])
  const ids = new Map([[bed.seed.name, seedId]])
  const bootstrap = `/ip4/${bed.seed.ip}/tcp/${P2P_PORT}/p2p/${seedId}`
  for (const node of bed.nodes) if (node !== bed.seed) ids.set(node.name, await startDaemon(ctx, node, [bootstrap]))
  await waitForFleet(ctx, bed.nodes.length)
  return ids
}

/** Runs a `patchmesh` CLI command in a node's namespace against that node's daemon; resolves with its stdout. */
export async function patchmeshCli (ctx: FleetContext, node: TestbedNode, args: string[]): Promise<string> {
  return await nsRun(node.ns, process.execPath, [CLI, ...args, ...nodeArgs(ctx, node)], ctx.signal)
}

/** Has a node's daemon rescan and publish its status now: its control API answers loopback only, hence curl inside its namespace. */
export async function requestScan (ctx: FleetContext, node: TestbedNode): Promise<void> {
  const token = await readControlToken(join(nodeDataDir(ctx, node), CONTROL_TOKEN_FILE))
  // curl reads the header from a file, so that the token stays out of the process list.
  const header = join(ctx.dir, node.name, 'control-header')
  await writeFile(header, `authorization: Bearer ${token}\n`, { mode: 0o600 })
  await nsRun(node.ns, 'curl', ['--silent', '--show-error', '--fail', '--request', 'POST', '--header', `@${header}`, `${LOCAL_NODE}/api/v1/control/scan`], ctx.signal)
}

/** Starts a node's daemon; resolves with its peer id once it serves HTTP. */
async function startDaemon (ctx: FleetContext, node: TestbedNode, bootstrap: string[]): Promise<string> {
  const dir = join(ctx.dir, node.name)
  const data = join(dir, 'data')
  await mkdir(dir, { recursive: true })
  await ctx.processes.start({
    ns: node.ns,
    command: process.execPath,
    args: [...DAEMON_NODE_FLAGS, CLI, 'node', 'start', '--data', data, '--mesh', join(ctx.dir, 'mesh', MESH_FILE_NAME), '--site', node.site.name, '--http', `0.0.0.0:${HTTP_PORT}`,
      '--listen', `/ip4/${node.ip}/tcp/${P2P_PORT}`, ...bootstrap.flatMap(address => ['--bootstrap', address]), '--log-level', 'warn'],
    env: daemonEnv(),
    logPath: join(dir, 'node.log'),
    label: `patchmesh@${node.name}`
  })
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (true) {
    try {
      return (JSON.parse(await readFile(join(data, 'node.json'), 'utf8')) as { id: string }).id
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`patchmesh@${node.name} did not start within ${READY_TIMEOUT_MS} ms`, { cause: err })
      await delay(100, undefined, { signal: ctx.signal })
    }
  }
}

/** Waits until every node's fleet view holds every node: the mesh is formed, gossip flows. */
async function waitForFleet (ctx: FleetContext, size: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (const node of ctx.bed.nodes) {
    while (true) {
      const answer = await nsRun(node.ns, 'curl', ['--silent', `${LOCAL_NODE}/api/v1/computers`], ctx.signal).catch(() => '{}')
      const computers = (JSON.parse(answer) as { computers?: unknown[] }).computers ?? []
      if (computers.length >= size) break
      if (Date.now() > deadline) throw new Error(`${node.name} holds ${computers.length} of ${size} computers after ${READY_TIMEOUT_MS} ms: the mesh did not form`)
      await delay(200, undefined, { signal: ctx.signal })
    }
  }
}
