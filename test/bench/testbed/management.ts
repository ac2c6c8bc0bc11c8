// The bench's way to the nodes' HTTP APIs over the management plane (topology.ts): relay.ts runs in
// the management namespace and listens on a Unix socket, which namespaces do not separate. Polling a
// node then costs one HTTP request over a kept-alive connection, not a process spawned in its
// namespace, and never crosses or counts on the links a scenario measures.
import { access } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../mesh/wait.ts'
import { DEFAULT_LISTEN_TIMEOUT_MS } from './netns.ts'
import { describeExit } from './processes.ts'
import type { NamespaceProcesses } from './processes.ts'
import type { Testbed, TestbedNode } from './topology.ts'

const RELAY = new URL('./relay.ts', import.meta.url).pathname
const SOCKET_POLL_MS = 50

/** One answer, and when its request left. */
export interface Answer<T> {
  /** Date.now() when the request was sent, after any wait for a free slot: what a poll's time is. */
  sentAt: number
  body: T
}

/** GET requests to the nodes through the relay, at most `concurrency` in flight; the others wait their turn. */
export class ManagementClient {
  readonly #socketPath: string
  readonly #concurrency: number
  readonly #agent = new Agent({ keepAlive: true })
  readonly #waiting: Array<() => void> = []
  #inFlight = 0

  constructor (socketPath: string, concurrency: number) {
    this.#socketPath = socketPath
    this.#concurrency = concurrency
  }

  /** GETs a JSON path from a node's API at `port`; throws on anything but a 2xx answer. */
  async get<T> (node: TestbedNode, port: number, path: string, signal: AbortSignal): Promise<Answer<T>> {
    await this.#slot(signal)
    try {
      const sentAt = Date.now()
      return { sentAt, body: await this.#get<T>(`${node.managementIp}:${port}`, path, signal) }
    } finally {
      const next = this.#waiting.shift()
      if (next !== undefined) next()
      else this.#inFlight--
    }
  }

  /** Closes the kept-alive connections. */
  close (): void {
    this.#agent.destroy()
  }

  async #slot (signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    if (this.#inFlight >= this.#concurrency) {
      // A freed slot passes straight to the next in line: #inFlight is not lowered for it.
      await new Promise<void>(resolve => { this.#waiting.push(resolve) })
      return
    }
    this.#inFlight++
  }

  async #get<T> (host: string, path: string, signal: AbortSignal): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      const req = request({
        socketPath: this.#socketPath,
        path: `http://${host}${path}`,
        headers: { host },
        agent: this.#agent,
        signal: AbortSignal.any([signal, AbortSignal.timeout(DEFAULT_REQUEST_TIMEOUT_MS)])
      }, res => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => { chunks.push(chunk) })
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) {
            reject(new Error(`GET http://${host}${path}: HTTP ${res.statusCode ?? '?'} ${text.slice(0, 200).trim()}`))
            return
          }
          try {
            resolve(JSON.parse(text) as T)
          } catch (err) {
            reject(err)
          }
        })
      })
      req.on('error', reject)
      req.end()
    })
  }
}

/** Starts the relay in the testbed's management namespace; resolves with a client once it listens. */
export async function startRelay (bed: Testbed, processes: NamespaceProcesses, dir: string, concurrency: number, signal: AbortSignal): Promise<ManagementClient> {
  if (bed.management === undefined) throw new RangeError('the testbed has no management plane: build it with { management: true }')
  const socketPath = join(dir, 'relay.sock')
  const relay = await processes.start({ ns: bed.management.ns, command: process.execPath, args: [RELAY, socketPath], logPath: join(dir, 'relay.log'), label: 'relay' })
  const deadline = Date.now() + DEFAULT_LISTEN_TIMEOUT_MS
  while (!await access(socketPath).then(() => true, () => false)) {
    if (relay.exit !== undefined) throw new Error(`the relay ${describeExit(relay.exit)}; see ${relay.spec.logPath}`)
    if (Date.now() > deadline) throw new Error(`the relay did not listen on ${socketPath} within ${DEFAULT_LISTEN_TIMEOUT_MS} ms; see ${relay.spec.logPath}`)
    await delay(SOCKET_POLL_MS, undefined, { signal })
  }
  return new ManagementClient(socketPath, concurrency)
}
