// CPU time and memory per testbed node, sampled from /proc: every process launched in a node's
// namespace and its descendants (nginx workers, curl under its retry loop).
import { readFile } from 'node:fs/promises'
import type { LaunchedProcess } from './processes.ts'

/** @default 250 ms between samples: a process that exits between two loses at most that much CPU time. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 250
/** USER_HZ, the unit of the times in /proc/PID/stat: 100 on every Linux architecture that matters here. */
const CLOCK_TICKS_PER_SECOND = 100

export interface NodeResources {
  /** User + system CPU time of the node's processes, ms. */
  cpuMs: number
  /**
   * The node's peak resident memory, bytes: the largest sum, over one sample's live processes, of
   * their own peaks (VmHWM). Exact for one process at a time; for several, an upper bound.
   */
  peakRssBytes: number
}

interface ProcessSample { cpuMs: number, hwmBytes: number }

async function sampleProcess (pid: number): Promise<ProcessSample | undefined> {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined), readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined)])
  if (stat === undefined || status === undefined) return undefined
  // The command name in parentheses may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // utime + stime only: children are sampled themselves, and their reaped time (cutime) would count twice.
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0)
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]
  return { cpuMs: ticks * 1000 / CLOCK_TICKS_PER_SECOND, hwmBytes: Number(hwm ?? 0) * 1024 }
}

async function descendants (pid: number): Promise<number[]> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number)
  return [...children, ...(await Promise.all(children.map(descendants))).flat()]
}

/** Samples the processes of each node until stopped; a process's last sample stands for it after it exits. */
export class ResourceSampler {
  readonly #list: () => LaunchedProcess[]
  readonly #nodeOf: (ns: string) => string | undefined
  /** Last sample per node, per pid. */
  readonly #last = new Map<string, Map<number, ProcessSample>>()
  readonly #peak = new Map<string, number>()
  #timer: NodeJS.Timeout | undefined
  #sampling: Promise<void> = Promise.resolve()

  /** `list` gives the launched processes; `nodeOf` maps a namespace to its node's name (undefined: not a node). */
  constructor (list: () => LaunchedProcess[], nodeOf: (ns: string) => string | undefined) {
    this.#list = list
    this.#nodeOf = nodeOf
  }

  start (intervalMs = DEFAULT_SAMPLE_INTERVAL_MS): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => { this.#sampling = this.#sampling.then(async () => { await this.sample() }) }, intervalMs)
  }

  /** One sample of every running process. */
  async sample (): Promise<void> {
    const memory = new Map<string, number>()
    await Promise.all(this.#list().filter(p => p.exit === undefined && p.pid > 0).map(async p => {
      const node = this.#nodeOf(p.spec.ns)
      if (node === undefined) return
      const perPid = this.#last.get(node) ?? new Map<number, ProcessSample>()
      this.#last.set(node, perPid)
      for (const pid of [p.pid, ...await descendants(p.pid)]) {
        const s = await sampleProcess(pid)
        if (s === undefined) continue
        perPid.set(pid, s)
        memory.set(node, (memory.get(node) ?? 0) + s.hwmBytes)
      }
    }))
    for (const [node, bytes] of memory) this.#peak.set(node, Math.max(bytes, this.#peak.get(node) ?? 0))
  }

  /** Stops sampling (after one last sample) and returns the totals per node. */
  async stop (): Promise<Map<string, NodeResources>> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#sampling
    await this.sample()
    return new Map([...this.#last].map(([node, perPid]) => {
      const samples = [...perPid.values()]
      return [node, { cpuMs: samples.reduce((a, s) => a + s.cpuMs, 0), peakRssBytes: this.#peak.get(node) ?? 0 }]
    }))
  }
}
