// Real `patchmesh node start` processes for the mesh benchmark: each with its own data folder,
// inventory files and log file; every process started here is stopped by stopAll().
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { DAEMON_NODE_FLAGS, FILL_COMPILE_CACHE_ARGS } from '../../../node/cli/daemon-flags.ts'
import { daemonEnv } from '../daemon-env.ts'
import { writeScanInputs } from '../../helpers/fixtures.ts'
import { CLI } from '../../helpers/process.ts'
import { getJson, pollFor } from './wait.ts'
import type { ChildProcess } from 'node:child_process'

/** @default 60 s from spawn to a node answering: past that, a start is stuck, not slow. */
export const DEFAULT_NODE_START_TIMEOUT_MS = 60_000
/** @default 10 s between SIGTERM and SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 10_000

export interface NodeSpec {
  index: number
  site: string
  bootstrap: string[]
  /** dpkg packages installed at start, name → version. */
  packages: Record<string, string>
}

/** A started node process and what the benchmark knows about it. */
export interface BenchNode extends NodeSpec {
  id: string
  pid: number
  url: string
  httpPort: number
  /** libp2p multiaddrs with /p2p/ID, from /api/v1/node. */
  addresses: string[]
  /** Its --data folder: the control token there lets `patchmesh admin …` publish through it. */
  dataDir: string
  dpkgStatus: string
  logPath: string
  /** performance.now() when the node first answered: its start-up is over. */
  startedAt: number
  /** Spawn to answering, ms. */
  startMs: number
}

export interface StopResult {
  /** Exited with code 0 after SIGTERM. */
  clean: number
  /** Still running after the grace time, then killed. */
  killed: number
  /** Exited otherwise (non-zero code, or a signal), including before we asked. */
  other: string[]
}

interface Running {
  child: ChildProcess
  exited: Promise<number | string>
  logPath: string
}

/**
 * Fills the compile cache as `npm install` does (its postinstall), so the nodes start as they do
 * after an install: without it the first node to start finds the cache empty whenever the code or
 * the flags changed since, and carries the type stripper the whole run.
 */
export async function fillCompileCache (signal: AbortSignal): Promise<void> {
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, ...FILL_COMPILE_CACHE_ARGS], { stdio: 'ignore', env: { ...process.env, ...daemonEnv() }, signal })
  const [code, sig] = await once(child, 'exit') as [number | null, string | null]
  if (code !== 0) throw new Error(`filling the compile cache (patchmesh ${FILL_COMPILE_CACHE_ARGS.join(' ')}) ended with ${code ?? sig}`)
}

/** Starts node processes into one folder, and stops them all, on success, error or Ctrl-C alike. */
export class NodeProcesses {
  readonly #dir: string
  readonly #meshFile: string
  readonly #running = new Set<Running>()
  #closed = false

  constructor (dir: string, meshFile: string) {
    this.#dir = dir
    this.#meshFile = meshFile
  }

  /** Spawns one node and waits until its HTTP API answers (it writes node.json only after its first scan and publish). */
  async start (spec: NodeSpec, signal: AbortSignal, timeoutMs = DEFAULT_NODE_START_TIMEOUT_MS): Promise<BenchNode> {
    const home = join(this.#dir, `node-${spec.index}`)
    const dataDir = join(home, 'data')
    await mkdir(dataDir, { recursive: true })
    const inputs = await writeScanInputs(home, spec.packages)
    const logPath = join(home, 'stderr.log')
    const log = await open(logPath, 'a')
    const spawnedAt = performance.now()
    let child: ChildProcess
    let exited: Promise<number | string>
    try {
      // Checked with no await before the spawn, so nothing starts once stopAll() has begun.
      if (this.#closed) throw new Error('node processes are being stopped; not starting another')
      child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, CLI, 'node', 'start', '--data', dataDir, '--mesh', this.#meshFile, '--site', spec.site,
        '--http', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', ...spec.bootstrap.flatMap(a => ['--bootstrap', a]),
        '--catalog', inputs.catalog, '--dpkg-status', inputs.status, '--os-release', inputs.osRelease],
      // The log goes straight to a file: the benchmark process should not spend CPU relaying 50 nodes' logs.
      { stdio: ['ignore', 'ignore', log.fd], env: { ...process.env, ...daemonEnv() } })
      // Listened to at once: a spawn that fails emits 'error', which once() turns into a rejection we map to a reason.
      exited = once(child, 'exit').then(([code, sig]) => (code ?? sig) as number | string, (err: Error) => `spawn failed: ${err.message}`)
    } finally {
      await log.close()
    }
    const running: Running = { child, logPath, exited }
    this.#running.add(running)
    const runtime = await pollFor(async () => {
      if (child.pid === undefined || child.exitCode != null || child.signalCode != null) return 'exited' as const
      return JSON.parse(await readFile(join(dataDir, 'node.json'), 'utf8')) as { id: string, pid: number, url: string }
    }, { intervalMs: 50, deadline: spawnedAt + timeoutMs, signal })
    if (runtime === undefined || runtime === 'exited') {
      const how = runtime === 'exited' ? `exited with ${String(child.exitCode ?? child.signalCode)}` : `did not answer within ${timeoutMs} ms`
      throw new Error(`node ${spec.index} ${how}; its log (${logPath}) ends:\n${await logTail(logPath)}`)
    }
    const startedAt = performance.now()
    // Asked again until the start deadline: on a loaded machine one answer may take longer than a request's timeout.
    const info = await pollFor(async () => await getJson<{ addresses: string[] }>(`${runtime.url}/api/v1/node`, signal), { intervalMs: 50, deadline: spawnedAt + timeoutMs, signal })
    if (info === undefined) throw new Error(`node ${spec.index} did not answer /api/v1/node within ${timeoutMs} ms; its log (${logPath}) ends:\n${await logTail(logPath)}`)
    return {
      ...spec,
      id: runtime.id,
      pid: runtime.pid,
      url: runtime.url,
      httpPort: Number(new URL(runtime.url).port),
      addresses: info.addresses,
      dataDir,
      dpkgStatus: inputs.status,
      logPath,
      startedAt,
      startMs: startedAt - spawnedAt
    }
  }

  /** SIGTERM to every node still running, SIGKILL to those still running after graceMs; waits for every exit. */
  async stopAll (graceMs = DEFAULT_STOP_GRACE_MS): Promise<StopResult> {
    this.#closed = true
    const result: StopResult = { clean: 0, killed: 0, other: [] }
    // Each stays in #running until it has exited, so killAllNow() still reaches it if we are cut short.
    const all = [...this.#running]
    const alreadyExited = new Set(all.filter(r => r.child.exitCode != null || r.child.signalCode != null))
    for (const r of all) if (!alreadyExited.has(r)) r.child.kill('SIGTERM')
    const graceOver = new AbortController()
    const grace = delay(graceMs, 'grace over' as const, { signal: graceOver.signal }).catch(() => 'cancelled' as const)
    await Promise.all(all.map(async r => {
      const first = await Promise.race([r.exited, grace])
      if (first === 'grace over') {
        r.child.kill('SIGKILL')
        await r.exited
        result.killed++
      } else if (first === 0 && !alreadyExited.has(r)) {
        result.clean++
      } else {
        result.other.push(`${r.logPath}: ${alreadyExited.has(r) ? 'had exited before the stop with' : 'exited with'} ${String(first)}`)
      }
      this.#running.delete(r)
    }))
    graceOver.abort()
    return result
  }

  /** Last resort when the benchmark process exits without reaching stopAll(): SIGKILL, synchronously. */
  killAllNow (): void {
    for (const r of this.#running) if (r.child.exitCode == null && r.child.signalCode == null) r.child.kill('SIGKILL')
  }

  /** Nodes that have exited although nobody stopped them, with their log tails. */
  async crashed (): Promise<string[]> {
    const dead = [...this.#running].filter(r => r.child.exitCode != null || r.child.signalCode != null)
    return await Promise.all(dead.map(async r => `${r.logPath} (exit ${String(r.child.exitCode ?? r.child.signalCode)}):\n${await logTail(r.logPath)}`))
  }
}

/** The last lines of a node's log, for error messages. */
export async function logTail (path: string, lines = 20): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '')
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}
