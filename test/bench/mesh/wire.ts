// What the node processes cost the machine: TCP bytes per process from `ss`, and memory and CPU
// time from /proc. Loopback has no interface counters per process, so bytes are counted per socket.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'

const execFile$ = promisify(execFile)

/** IPv4 (20) + TCP (20) + the timestamp option (12) that Linux sets on every segment: the header bytes of one segment. */
export const TCP_IPV4_HEADER_BYTES = 52
/** USER_HZ, the unit of utime/stime in /proc/PID/stat: 100 on every Linux architecture that matters here. */
const CLOCK_TICKS_PER_SECOND = 100

/** Counters of one TCP socket as `ss -ti` prints them. */
export interface SocketCounters {
  pid: number
  local: string
  peer: string
  bytesSent: number
  bytesReceived: number
  segsOut: number
  segsIn: number
}

/** One `ss -tinp` snapshot of established TCP sockets on loopback, owned by any process. */
export async function readSockets (signal: AbortSignal): Promise<SocketCounters[]> {
  const { stdout } = await execFile$('ss', ['-tinpH', 'state', 'established'], { signal, maxBuffer: 64 * 1024 * 1024 })
  const sockets: SocketCounters[] = []
  let current: SocketCounters | undefined
  for (const line of stdout.split('\n')) {
    if (line.startsWith('\t') || line.startsWith(' ')) {
      // The info line of the socket above it.
      if (current === undefined) continue
      const num = (name: string): number => Number(new RegExp(`\\b${name}:(\\d+)`).exec(line)?.[1] ?? 0)
      current.bytesSent = num('bytes_sent')
      current.bytesReceived = num('bytes_received')
      current.segsOut = num('segs_out')
      current.segsIn = num('segs_in')
      sockets.push(current)
      current = undefined
      continue
    }
    // "Recv-Q Send-Q LOCAL PEER users:(("node",pid=123,fd=20))"
    const fields = line.trim().split(/\s+/)
    const pid = /pid=(\d+)/.exec(line)?.[1]
    current = fields.length >= 4 && pid !== undefined
      ? { pid: Number(pid), local: fields[2] as string, peer: fields[3] as string, bytesSent: 0, bytesReceived: 0, segsOut: 0, segsIn: 0 }
      : undefined
  }
  return sockets
}

const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1))

/** Traffic of one process over a window. */
export interface ProcessTraffic {
  bytesSent: number
  bytesReceived: number
  segments: number
  /** Sockets that closed inside the window: their bytes after the previous sample are not counted. */
  socketsClosed: number
  /** Established sockets at the last sample. */
  socketsOpen: number
}

/**
 * Adds up the bytes of the given processes' sockets between samples. Each socket counts from the
 * first sample (or from zero when it opens later); sockets touching `excludePorts` (the benchmark's
 * own HTTP polling) are left out.
 */
export class TrafficMeter {
  readonly #pids: Set<number>
  readonly #excludePorts: Set<number>
  #last = new Map<string, SocketCounters>()
  readonly #totals = new Map<number, ProcessTraffic>()
  #samples = 0

  constructor (pids: number[], excludePorts: number[]) {
    this.#pids = new Set(pids)
    this.#excludePorts = new Set(excludePorts)
    for (const pid of pids) this.#totals.set(pid, { bytesSent: 0, bytesReceived: 0, segments: 0, socketsClosed: 0, socketsOpen: 0 })
  }

  /** Takes one `ss` snapshot and adds what moved since the previous one. */
  async sample (signal: AbortSignal): Promise<void> {
    const now = new Map<string, SocketCounters>()
    for (const s of await readSockets(signal)) {
      if (!this.#pids.has(s.pid) || this.#excludePorts.has(portOf(s.local)) || this.#excludePorts.has(portOf(s.peer))) continue
      now.set(`${s.pid} ${s.local} ${s.peer}`, s)
    }
    for (const total of this.#totals.values()) total.socketsOpen = 0
    for (const [key, s] of now) {
      const total = this.#totals.get(s.pid) as ProcessTraffic
      total.socketsOpen++
      const before = this.#last.get(key)
      // On the first sample there is no window yet; a socket new since the last sample counts from zero.
      const base = before ?? (this.#samples === 0 ? s : undefined)
      // Counters that went down belong to a new socket on the same ports.
      const fresh = base === undefined || s.bytesSent < base.bytesSent || s.bytesReceived < base.bytesReceived
      total.bytesSent += s.bytesSent - (fresh ? 0 : (base as SocketCounters).bytesSent)
      total.bytesReceived += s.bytesReceived - (fresh ? 0 : (base as SocketCounters).bytesReceived)
      total.segments += s.segsOut + s.segsIn - (fresh ? 0 : (base as SocketCounters).segsOut + (base as SocketCounters).segsIn)
    }
    for (const [key, s] of this.#last) if (!now.has(key)) (this.#totals.get(s.pid) as ProcessTraffic).socketsClosed++
    this.#last = now
    this.#samples++
  }

  /** The totals per pid so far. */
  totals (): Map<number, ProcessTraffic> {
    return new Map([...this.#totals].map(([pid, t]) => [pid, { ...t }]))
  }
}

/** Resident memory of a process in bytes (VmRSS), or undefined when it is gone. */
export async function residentBytes (pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined)
  const kib = status === undefined ? undefined : /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
  return kib === undefined ? undefined : Number(kib) * 1024
}

/** CPU time (user + system) a process has used, in ms, or undefined when it is gone. */
export async function cpuMs (pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined)
  if (stat === undefined) return undefined
  // The command name in parentheses may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS_PER_SECOND
}
