// iproute2 for the testbed: run a program (optionally inside a network namespace), list this run's
// namespaces and remove them with every process inside. Everything here is named `pmtb<pid>…`, so a
// run only ever touches what it made itself, or what a run whose process is gone left behind.
import { execFile, spawnSync } from 'node:child_process'
import { access, constants } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { promisify } from 'node:util'

const execFile$ = promisify(execFile)

/** @default 15 s for one ip/tc/sh call: past that the kernel or a program is stuck. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 15_000
/** Every namespace the testbed makes starts with this, then the pid of the process that made it. */
export const NAME_PREFIX = 'pmtb'

/** A program the testbed ran failed; `stderr` holds what it said. */
export class TestbedCommandError extends Error {
  override readonly name = 'TestbedCommandError'
  readonly code = 'ERR_TESTBED_COMMAND'
  readonly stderr: string
  constructor (command: string, stderr: string, options?: ErrorOptions) {
    super(`${command}: ${stderr.trim() || 'failed'}`, options)
    this.stderr = stderr
  }
}

/** Each program's place, looked up once: a testbed runs ip and tc hundreds of times. */
const located = new Map<string, Promise<string | undefined>>()

/**
 * Where a program is: on the PATH, else in the sbin folders, where Debian puts tc (a root login has
 * them on its PATH; `sudo`, cron or `env -i` may not). undefined when it is nowhere.
 */
async function locate (name: string): Promise<string | undefined> {
  let place = located.get(name)
  if (place == null) located.set(name, place = search(name))
  return await place
}

async function search (name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])) {
    if (dir !== '' && await access(join(dir, name), constants.X_OK).then(() => true, () => false)) return join(dir, name)
  }
  return undefined
}

/** Runs a program to completion and returns its stdout; throws TestbedCommandError on failure. */
export async function run (file: string, args: string[], signal?: AbortSignal): Promise<string> {
  const timeout = AbortSignal.timeout(DEFAULT_COMMAND_TIMEOUT_MS)
  try {
    const { stdout } = await execFile$(file.includes('/') ? file : await locate(file) ?? file, args, { signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]), maxBuffer: 16 * 1024 * 1024 })
    return stdout
  } catch (err) {
    const e = err as Error & { stderr?: string }
    throw new TestbedCommandError(`${file} ${args.join(' ')}`, e.stderr ?? e.message, { cause: err })
  }
}

/** `ip ARGS`. */
export async function ip (args: string[], signal?: AbortSignal): Promise<string> {
  return await run('ip', args, signal)
}

/** Runs a program inside a namespace (`ip netns exec`, which also mounts the namespace's own /sys). */
export async function nsRun (ns: string, file: string, args: string[], signal?: AbortSignal): Promise<string> {
  return await run('ip', ['netns', 'exec', ns, file, ...args], signal)
}

/** What every namespace made by this process starts with. */
export const PROCESS_PREFIX = `${NAME_PREFIX}${process.pid}x`
let builds = 0
/** A name prefix unique to this process and this build: `pmtb<pid>x<seq>`. */
export function newRunPrefix (): string {
  return `${PROCESS_PREFIX}${(builds++).toString(36)}`
}

/** Every network namespace on the machine, by name. */
export async function listNamespaces (signal?: AbortSignal): Promise<string[]> {
  return parseNamespaceList(await ip(['netns', 'list'], signal))
}

function parseNamespaceList (text: string): string[] {
  // Lines read "name" or "name (id: 3)".
  return text.split('\n').map(line => line.trim().split(' ')[0] ?? '').filter(name => name !== '')
}

/** Kills every process inside the named namespaces (all started by the testbed run that made them), then deletes them. */
export async function removeNamespaces (names: string[]): Promise<void> {
  for (const ns of names) {
    const pids = await ip(['netns', 'pids', ns]).catch(() => '')
    for (const pid of pids.split('\n').map(Number).filter(p => p > 0)) killQuietly(pid)
  }
  for (const ns of names) await ip(['netns', 'del', ns]).catch(() => {})
}

/** The same, synchronously: for a process 'exit' handler, where nothing async runs any more. */
export function removeNamespacesSync (prefix: string): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
  const names = parseNamespaceList(list.stdout ?? '').filter(name => name.startsWith(prefix))
  for (const ns of names) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? ''
    for (const pid of pids.split('\n').map(Number).filter(p => p > 0)) killQuietly(pid)
  }
  for (const ns of names) spawnSync('ip', ['netns', 'del', ns])
}

function killQuietly (pid: number): void {
  try { process.kill(pid, 'SIGKILL') } catch {}
}

const processAlive = (pid: number): boolean => {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** Deletes namespaces that a testbed run left behind when its process died without cleaning up; returns their names. */
export async function removeStaleNamespaces (signal?: AbortSignal): Promise<string[]> {
  const stale = (await listNamespaces(signal)).filter(name => {
    const pid = new RegExp(`^${NAME_PREFIX}(\\d+)x`).exec(name)?.[1]
    return pid !== undefined && Number(pid) !== process.pid && !processAlive(Number(pid))
  })
  await removeNamespaces(stale)
  return stale
}

/** Why this machine cannot build a testbed (not root, no `ip netns`), or undefined when it can. */
export async function testbedUnsupported (): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root and ip netns (not running as root)'
  // Root in an unprivileged container can list namespaces but not make one: try.
  const probe = `${PROCESS_PREFIX}probe`
  try {
    await ip(['netns', 'add', probe])
  } catch (err) {
    return `needs root and ip netns (${(err as Error).message})`
  } finally {
    await ip(['netns', 'del', probe]).catch(() => {})
  }
  return undefined
}

/** The programs among `names` that run() cannot find (see locate). */
export async function missingPrograms (names: string[]): Promise<string[]> {
  const found = await Promise.all(names.map(locate))
  return names.filter((_, i) => found[i] === undefined)
}

/** @default 10 s for a server to start listening: past that it failed to start. */
export const DEFAULT_LISTEN_TIMEOUT_MS = 10_000
const LISTEN_POLL_MS = 50

/** Waits until something in `ns` listens on TCP `port` (`ss`), or throws after timeoutMs. */
export async function waitForListener (ns: string, port: number, signal: AbortSignal, timeoutMs = DEFAULT_LISTEN_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    signal.throwIfAborted()
    if ((await nsRun(ns, 'ss', ['-Hltn', 'sport', '=', `:${port}`], signal)).trim() !== '') return
    if (Date.now() > deadline) throw new Error(`nothing listens on TCP port ${port} in ${ns} after ${timeoutMs} ms`)
    await delay(LISTEN_POLL_MS, undefined, { signal })
  }
}
