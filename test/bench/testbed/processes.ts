// Launches programs inside the testbed's namespaces (a server, a downloader, a `patchmesh node start`):
// any command with its arguments, environment and log file. Every process started here is stopped
// by stopAll(); what a process started by itself (nginx workers) goes with its namespace.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { open } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { ip } from './netns.ts'
import type { ChildProcess } from 'node:child_process'

/** @default 5 s between SIGTERM and SIGKILL. */
export const DEFAULT_STOP_GRACE_MS = 5_000
/** Where programs are looked up inside a namespace: root's usual PATH, whatever ours is (nginx lives in /usr/sbin). */
const NAMESPACE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface LaunchSpec {
  /** The namespace to run in. */
  ns: string
  command: string
  args: string[]
  /** Added to a small base environment (PATH, HOME, LANG); the bench's own environment is not passed on. */
  env?: Record<string, string>
  cwd?: string
  /** stdout and stderr go to this file. */
  logPath: string
  /** For messages: `nginx@hq-0`. */
  label: string
}

export interface ProcessExit {
  code: number | null
  signal: string | null
  /** Date.now() when it exited. */
  at: number
}

export interface LaunchedProcess {
  spec: LaunchSpec
  pid: number
  /** Date.now() at spawn. */
  startedAt: number
  /** Set once the process has exited. */
  exit?: ProcessExit
  exited: Promise<ProcessExit>
}

export interface StopResult {
  /** Exited with code 0 (or by our SIGTERM) within the grace time. */
  clean: number
  killed: number
  /** Had exited with a failure before the stop, other than by killNamespace(): label and how. */
  failed: string[]
}

/** The processes of one testbed run. */
export class NamespaceProcesses {
  readonly #running = new Set<{ child: ChildProcess, launched: LaunchedProcess }>()
  readonly #all: LaunchedProcess[] = []
  /** Namespaces whose processes were killed on purpose: their deaths are not failures. */
  readonly #killed = new Set<string>()
  #closed = false

  /** Spawns `command args` inside `ns` (`ip netns exec` execs it: the pid is the program's own). */
  async start (spec: LaunchSpec): Promise<LaunchedProcess> {
    const log = await open(spec.logPath, 'a')
    try {
      // Checked with no await before the spawn, so that nothing starts once stopAll() has begun.
      if (this.#closed) throw new Error(`processes are being stopped; not starting ${spec.label}`)
      const child = spawn('ip', ['netns', 'exec', spec.ns, spec.command, ...spec.args], {
        cwd: spec.cwd,
        env: { PATH: NAMESPACE_PATH, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...spec.env },
        stdio: ['ignore', log.fd, log.fd]
      })
      const launched: LaunchedProcess = {
        spec,
        pid: child.pid ?? -1,
        startedAt: Date.now(),
        exited: once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null, at: Date.now() }),
          (err: Error) => ({ code: null, signal: `spawn failed: ${err.message}`, at: Date.now() }))
      }
      const entry = { child, launched }
      this.#running.add(entry)
      this.#all.push(launched)
      void launched.exited.then(exit => { launched.exit = exit; this.#running.delete(entry) })
      return launched
    } finally {
      await log.close()
    }
  }

  /** Every process started so far, running or not. */
  all (): LaunchedProcess[] {
    return [...this.#all]
  }

  /**
   * Kills a node outright, as a crash or power cut would: SIGKILL to every process in its namespace
   * (all started by this run, since the namespace is this run's), then waits for ours to exit.
   */
  async killNamespace (ns: string): Promise<void> {
    this.#killed.add(ns)
    const pids = (await ip(['netns', 'pids', ns])).split('\n').map(Number).filter(p => p > 0)
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL') } catch {}
    }
    await Promise.all([...this.#running].filter(r => r.launched.spec.ns === ns).map(async r => await r.launched.exited))
  }

  /** SIGTERM to every process still running, SIGKILL after graceMs; waits for every exit. Starts nothing afterwards. */
  async stopAll (graceMs = DEFAULT_STOP_GRACE_MS): Promise<StopResult> {
    this.#closed = true
    const result: StopResult = { clean: 0, killed: 0, failed: [] }
    for (const launched of this.#all) {
      if (launched.exit !== undefined && launched.exit.code !== 0 && !this.#killed.has(launched.spec.ns)) result.failed.push(`${launched.spec.label} ${describeExit(launched.exit)}`)
    }
    const running = [...this.#running]
    for (const r of running) r.child.kill('SIGTERM')
    const graceOver = new AbortController()
    const grace = delay(graceMs, 'grace over' as const, { signal: graceOver.signal }).catch(() => 'cancelled' as const)
    await Promise.all(running.map(async r => {
      if (await Promise.race([r.launched.exited, grace]) === 'grace over') {
        r.child.kill('SIGKILL')
        await r.launched.exited
        result.killed++
      } else {
        result.clean++
      }
    }))
    graceOver.abort()
    return result
  }

  /** For a process 'exit' handler: SIGKILL to every process still running, synchronously. */
  killAllNow (): void {
    for (const r of this.#running) r.child.kill('SIGKILL')
  }
}

/** "exited with 1" or "killed by SIGKILL". */
export function describeExit (exit: ProcessExit): string {
  return exit.code !== null ? `exited with ${exit.code}` : `killed by ${exit.signal ?? 'unknown'}`
}
