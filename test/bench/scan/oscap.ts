// Runs OpenSCAP's `oscap oval eval` against a fake root instead of this machine.
//
// The fake-root trick: OpenSCAP's probes honour OSCAP_PROBE_ROOT (offline scanning of a mounted
// image). In Debian's openscap-scanner 1.3.7 the dpkginfo probe asks libapt-pkg, setting apt's
// `RootDir` to that root, so apt reads <root>/var/lib/dpkg/status and also wants what a real
// Debian root has: <root>/usr/share/dpkg/{cputable,tupletable} (copied from this machine) and a
// writable <root>/var/cache/apt for its package cache. apt reads its configuration before the
// probe sets RootDir, so this machine's /etc/apt/apt.conf.d would leak in (Docker images set
// Dir::Cache::pkgcache "", which under RootDir breaks the probe): APT_CONFIG points apt at a file
// in the root that moves the configuration parts into the root and names the architectures.
// What the probe then sees (checked by hand against 1.3.7): one item per package name, the native
// architecture's copy only; `hold`/`deinstall ... installed`, `unpacked`, `half-configured` and
// `triggers-*` count as installed, `config-files` does not, `half-installed` does (DESIGN: not).
import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { access, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const DEFAULT_OSCAP_TIMEOUT_MS = 60 * 60_000
const AVAILABILITY_TIMEOUT_MS = 10_000
const TIME_BIN = '/usr/bin/time'
const HOST_DPKG_TABLES = ['/usr/share/dpkg/cputable', '/usr/share/dpkg/tupletable']
const APT_CONFIG_IN_ROOT = 'etc/apt/patchmesh-oscap.conf'

export type OscapAvailability = { available: true, version: string } | { available: false, reason: string }

/** One OVAL definition result as OpenSCAP writes it. */
export type OvalResult = 'true' | 'false' | 'error' | 'unknown' | 'not evaluated' | 'not applicable'

export interface OscapRun {
  exitCode: number
  wallMs: number
  /** CPU seconds of the oscap process as /usr/bin/time reports them; undefined without it. */
  userMs?: number
  systemMs?: number
  /** Peak resident set of oscap: /usr/bin/time's %M, else the last VmHWM polled from /proc. */
  peakRssKiB?: number
  /** By definition id, from the results file. */
  results: Map<string, OvalResult>
  /** Size of the results file oscap wrote (part of its work: it holds every collected item). */
  resultsBytes: number
  stderr: string
}

/** Says whether `oscap` with a dpkginfo probe can run here, and if not, why (with the install command). */
export async function oscapAvailable (signal: AbortSignal = AbortSignal.timeout(AVAILABILITY_TIMEOUT_MS)): Promise<OscapAvailability> {
  let out: { code: number, stdout: string }
  try {
    out = await capture('oscap', ['--version'], signal)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { available: false, reason: 'OpenSCAP not installed: apt-get install openscap-scanner' }
    return { available: false, reason: `oscap --version failed: ${(err as Error).message}` }
  }
  if (out.code !== 0) return { available: false, reason: `oscap --version exited with ${out.code}` }
  if (!/\bdpkginfo\b/.test(out.stdout)) return { available: false, reason: 'this oscap has no dpkginfo probe (it is built without libapt-pkg); Debian\'s openscap-scanner has one: apt-get install openscap-scanner' }
  for (const table of HOST_DPKG_TABLES) {
    try { await access(table) } catch { return { available: false, reason: `${table} missing: apt needs it to scan a fake root (apt-get install dpkg)` } }
  }
  return { available: true, version: /oscap\)\s+(\S+)/.exec(out.stdout)?.[1] ?? 'unknown' }
}

/** Builds a fake Debian root in dir holding the given dpkg status and os-release; returns dir. */
export async function prepareFakeRoot ({ dir, dpkgStatus, osRelease, arch = 'amd64', foreignArchs = ['i386'], signal }: { dir: string, dpkgStatus: string, osRelease: string, arch?: string, foreignArchs?: string[], signal?: AbortSignal }): Promise<string> {
  for (const sub of ['var/lib/dpkg', 'var/lib/apt/lists/partial', 'var/cache/apt', 'etc/apt/apt.conf.d', 'usr/share/dpkg']) await mkdir(join(dir, sub), { recursive: true })
  await writeFile(join(dir, 'var/lib/dpkg/status'), dpkgStatus, { signal })
  await writeFile(join(dir, 'etc/os-release'), osRelease, { signal })
  for (const table of HOST_DPKG_TABLES) await copyFile(table, join(dir, table))
  await writeFile(join(dir, APT_CONFIG_IN_ROOT), [
    `Dir::Etc::parts "${join(dir, 'etc/apt/apt.conf.d')}";`,
    `Dir::Etc::main "${join(dir, 'etc/apt/apt.conf')}";`,
    // Relative names: apt resolves them under RootDir, i.e. inside the fake root.
    'Dir::Cache::pkgcache "pkgcache.bin";',
    'Dir::Cache::srcpkgcache "srcpkgcache.bin";',
    // Named here so apt does not ask this machine's dpkg for its architectures.
    `APT::Architecture "${arch}";`,
    `APT::Architectures { ${[arch, ...foreignArchs].map(a => `"${a}";`).join(' ')} };`,
    ''
  ].join('\n'), { signal })
  return dir
}

/** Runs `oscap oval eval --results` on ovalPath with the probes rooted at fakeRoot; measures wall time and peak RSS. */
export async function runOscap ({ ovalPath, fakeRoot, signal, timeoutMs = DEFAULT_OSCAP_TIMEOUT_MS, validate = true }: { ovalPath: string, fakeRoot: string, signal?: AbortSignal, timeoutMs?: number, validate?: boolean }): Promise<OscapRun> {
  // A cold apt cache every run: apt then parses the status file, as our scanner does on every scan.
  for (const cache of ['pkgcache.bin', 'srcpkgcache.bin']) await rm(join(fakeRoot, 'var/cache/apt', cache), { force: true })
  const work = await mkdtemp(join(tmpdir(), 'patchmesh-oscap-'))
  try {
    const resultsPath = join(work, 'results.xml')
    const timePath = join(work, 'time.txt')
    const oscapArgs = ['oval', 'eval', ...(validate ? [] : ['--skip-valid']), '--results', resultsPath, ovalPath]
    const useTime = await access(TIME_BIN).then(() => true, () => false)
    const [command, args] = useTime ? [TIME_BIN, ['-f', '%e %U %S %M', '-o', timePath, 'oscap', ...oscapArgs]] : ['oscap', oscapArgs]
    const deadline = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal != null ? [signal] : [])])
    const env = { ...process.env, OSCAP_PROBE_ROOT: fakeRoot, APT_CONFIG: join(fakeRoot, APT_CONFIG_IN_ROOT) }
    const started = performance.now()
    const run = await runChild(command as string, args as string[], env, deadline, !useTime)
    const wallMs = performance.now() - started
    const measured: Partial<OscapRun> = {}
    if (useTime) {
      const [, user, system, rss] = (await readFile(timePath, 'utf8')).trim().split(/\s+/).slice(-4).map(Number)
      Object.assign(measured, { userMs: (user ?? 0) * 1000, systemMs: (system ?? 0) * 1000, peakRssKiB: rss })
    } else if (run.polledHwmKiB > 0) measured.peakRssKiB = run.polledHwmKiB
    const resultsBytes = await stat(resultsPath).then(s => s.size, () => 0)
    const results = run.code === 0 ? await readDefinitionResults(resultsPath, deadline) : new Map<string, OvalResult>()
    return { exitCode: run.code, wallMs, ...measured, results, resultsBytes, stderr: run.stderr }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** Streams the results file: it holds every test and collected item too, hundreds of MB at 100k definitions. */
async function readDefinitionResults (path: string, signal: AbortSignal): Promise<Map<string, OvalResult>> {
  const results = new Map<string, OvalResult>()
  // Only the results section's <definition> carries definition_id (the copied definitions use id).
  const pattern = /<definition\s[^>]*?definition_id="([^"]+)"[^>]*?\sresult="([^"]+)"/g
  let carry = ''
  for await (const chunk of createReadStream(path, { encoding: 'utf8', signal })) {
    const text = carry + (chunk as string)
    const cut = text.lastIndexOf('<')
    for (const m of text.slice(0, cut).matchAll(pattern)) results.set(m[1] as string, m[2] as OvalResult)
    carry = text.slice(cut)
  }
  for (const m of carry.matchAll(pattern)) results.set(m[1] as string, m[2] as OvalResult)
  return results
}

interface ChildOutcome { code: number, stderr: string, polledHwmKiB: number }

/** Runs a child in its own process group so an abort also ends oscap under /usr/bin/time. */
function runChild (command: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal, pollHwm: boolean): Promise<ChildOutcome> {
  signal.throwIfAborted()
  return new Promise((resolve, reject) => {
    // stdout carries a line per definition: dropped, the results file is the answer.
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    let stderr = ''
    let polledHwmKiB = 0
    child.stderr.setEncoding('utf8').on('data', (s: string) => { if (stderr.length < 64 * 1024) stderr += s })
    const kill = (): void => { try { process.kill(-(child.pid as number), 'SIGKILL') } catch {} }
    const onAbort = (): void => { kill(); reject(signal.reason as Error) }
    signal.addEventListener('abort', onAbort, { once: true })
    // Without /usr/bin/time: VmHWM only grows, so the last sample before exit is close to the peak.
    const poll = pollHwm
      ? setInterval(() => {
        readFile(`/proc/${child.pid as number}/status`, 'utf8').then(s => { polledHwmKiB = Math.max(polledHwmKiB, Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0)) }, () => {})
      }, 50)
      : undefined
    child.on('error', err => { clearInterval(poll); signal.removeEventListener('abort', onAbort); reject(err) })
    child.on('close', (code, sig) => {
      clearInterval(poll)
      signal.removeEventListener('abort', onAbort)
      resolve({ code: code ?? (sig != null ? 128 : 1), stderr, polledHwmKiB })
    })
  })
}

/** Runs a short command and collects its stdout. */
function capture (command: string, args: string[], signal: AbortSignal): Promise<{ code: number, stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'], signal })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
    child.on('error', reject)
    child.on('close', code => resolve({ code: code ?? 1, stdout }))
  })
}
