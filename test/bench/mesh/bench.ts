// `npm run bench -- mesh [--nodes N] [--idle-seconds S] [--changes K] [--catalogs R] [--start-concurrency C] [--deadline-seconds D] [--poll-ms P] [--catalog-poll-ms Q] [--keep]`
// N real `patchmesh node start` processes on loopback in one mesh: how long until every node holds
// the whole fleet, how fast a new status and a new catalog spread, and what an idle mesh costs in
// traffic, CPU and memory.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { runCli } from '../../../node/cli/main.ts'
import { replaceDpkgStatus } from '../../helpers/fixtures.ts'
import { report } from '../report.ts'
import { catalogRound } from './catalog-spread.ts'
import { fleetLaggards, fleetView, watchFleetViews } from './fleet-view.ts'
import { NodeProcesses, fillCompileCache } from './nodes.ts'
import { meshRows } from './table.ts'
import { mapLimit } from './wait.ts'
import { TCP_IPV4_HEADER_BYTES, TrafficMeter, cpuMs, residentBytes } from './wire.ts'
import type { BenchNode, NodeSpec } from './nodes.ts'
import type { MeshMeasurements } from './table.ts'

const SITES = ['hq', 'branch-1', 'branch-2', 'branch-3', 'branch-4']
/** Installed packages per node, in turn, against the small test catalog: different summaries in the fleet. */
const PACKAGE_SETS: Array<Record<string, string>> = [{ openssl: '3.0.11-1' }, { curl: '6.0-1' }, { openssl: '3.0.13-1', curl: '8.0-1' }]
/** What a changed node installs: 3 missing patches, a summary no node starts with. */
const CHANGED_PACKAGES = { openssl: '3.0.11-1', curl: '6.0-1', nginx: '1.20-1' }
const CHANGED_MISSING = 3
/** The issue's polling cadence for "when did each node see it": also the resolution of those times. */
const DEFAULT_POLL_MS = 200
/**
 * Each node's held catalog is read this often. The polls only find the import; its time is the node's
 * own importedAt, so this interval does not limit the figure's resolution. Once a second: at 100 ms,
 * 50 nodes answered 500 requests a second between them, enough to load a 2-core machine that runs
 * all 50 and slow the very spread being measured.
 */
const DEFAULT_CATALOG_POLL_MS = 1_000
/** ss snapshots during the idle window: often enough that sockets closing inside it lose little. */
const TRAFFIC_SAMPLE_MS = 5_000

const usage = 'usage: npm run bench -- mesh [--nodes N (50)] [--idle-seconds S (60)] [--changes K (3)] [--catalogs R (3)] [--start-concurrency C (4)] [--deadline-seconds D (120)] [--poll-ms P (200)] [--catalog-poll-ms Q (1000)] [--keep]'

/** The k-th of `count` picks spread evenly over pool, so successive phases hit different nodes. */
function spreadPick (pool: BenchNode[], k: number, count: number): BenchNode {
  return pool[Math.floor((k + 0.5) * pool.length / count)] as BenchNode
}

function positive (name: string, value: string | undefined, fallback: number): number {
  const n = Number(value ?? fallback)
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} "${value ?? ''}" is not a positive whole number; ${usage}`)
  return n
}

export async function run (argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' }, 'idle-seconds': { type: 'string' }, changes: { type: 'string' }, catalogs: { type: 'string' }, 'start-concurrency': { type: 'string' },
      'deadline-seconds': { type: 'string' }, 'poll-ms': { type: 'string' }, 'catalog-poll-ms': { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean' }
    }
  })
  if (values.help === true) {
    process.stdout.write(`${usage}\n`)
    return
  }
  const n = positive('nodes', values.nodes, 50)
  if (n < 2) throw new RangeError(`--nodes must be at least 2; ${usage}`)
  const idleSeconds = positive('idle-seconds', values['idle-seconds'], 60)
  const startConcurrency = positive('start-concurrency', values['start-concurrency'], 4)
  const deadlineMs = positive('deadline-seconds', values['deadline-seconds'], 120) * 1000
  const pollMs = positive('poll-ms', values['poll-ms'], DEFAULT_POLL_MS)
  const catalogPollMs = positive('catalog-poll-ms', values['catalog-poll-ms'], DEFAULT_CATALOG_POLL_MS)
  const catalogs = positive('catalogs', values.catalogs, 3)
  // Distinct leaf nodes (not the two bootstrap nodes) change, so no node's rate limit is spent twice.
  const changes = Math.min(positive('changes', values.changes, 3), n > 2 ? n - 2 : n)

  const controller = new AbortController()
  const signal = controller.signal
  const dir = await mkdtemp(join(tmpdir(), 'patchmesh-bench-mesh-'))
  const meshDir = join(dir, 'mesh')
  const nodes = new NodeProcesses(dir, join(meshDir, 'mesh.xml'))
  let interrupts = 0
  const onSignal = (): void => {
    // A second Ctrl-C means: do not wait for a clean stop (the exit handler still kills the nodes).
    if (++interrupts > 1) process.exit(130)
    process.stderr.write('\ninterrupted: stopping the nodes (Ctrl-C again to kill them)\n')
    controller.abort(new Error('interrupted'))
  }
  const onExit = (): void => { nodes.killAllNow() }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', onExit)
  const progress = (text: string): void => { process.stdout.write(`${text}\n`) }
  try {
    await writeFile(join(dir, 'passphrase'), 'bench passphrase\n')
    const errors: string[] = []
    const code = await runCli(['admin', 'init', '--mesh-name', 'bench', '--out', meshDir, '--passphrase-file', join(dir, 'passphrase')], { out: () => {}, err: text => errors.push(text), signal })
    if (code !== 0) throw new Error(`admin init failed (${code}): ${errors.join('\n')}`)
    progress(`mesh benchmark: ${n} nodes on loopback, ${startConcurrency} started at a time, ${changes} status changes, ${catalogs} new catalogs, ${idleSeconds} s idle; files in ${dir}`)

    // 1. Start: node 0 alone, node 1 bootstrapping from it, the rest from both: two well-known nodes, not one.
    const spec = (index: number, bootstrap: string[]): NodeSpec => ({ index, site: SITES[index % SITES.length] as string, bootstrap, packages: PACKAGE_SETS[index % PACKAGE_SETS.length] as Record<string, string> })
    await fillCompileCache(signal)
    const startedAll = performance.now()
    const first = await nodes.start(spec(0, []), signal)
    const second = await nodes.start(spec(1, first.addresses), signal)
    let started = 2
    const rest = await mapLimit(Array.from({ length: n - 2 }, (_, i) => i + 2), startConcurrency, async index => {
      const node = await nodes.start(spec(index, [...first.addresses, ...second.addresses]), signal)
      if (++started % 10 === 0) progress(`  ${started}/${n} nodes started`)
      return node
    }, signal)
    const fleet: BenchNode[] = [first, second, ...rest]
    const startAllMs = performance.now() - startedAll
    const lastStarted = Math.max(...fleet.map(node => node.startedAt))
    progress(`${n} nodes started in ${(startAllMs / 1000).toFixed(1)} s`)

    // 2. Convergence: from the last start until every node's fleet view holds all n computers.
    const converged = await watchFleetViews(fleet, computers => computers.length === n, { t0: lastStarted, intervalMs: pollMs, deadline: lastStarted + deadlineMs, signal })
    const late = fleetLaggards(converged, n)
    progress(late === '' ? `every fleet view complete ${(Math.max(...converged.map(o => o.ms ?? 0)) / 1000).toFixed(2)} s after the last start` : `fleet views NOT complete after ${deadlineMs / 1000} s: ${late}`)
    const rssAfterConvergence = await Promise.all(fleet.map(async node => await residentBytes(node.pid) ?? NaN))

    // 3. A new status: replace one node's dpkg status file as dpkg does; its watcher debounces, rescans and publishes.
    const pool = fleet.length > 2 ? fleet.slice(2) : fleet
    const changeResults: MeshMeasurements['changes'] = []
    for (let k = 0; k < changes; k++) {
      const target = spreadPick(pool, k, changes)
      const before = (await fleetView(target, signal)).find(c => c.id === target.id)?.lastSeen
      const wallT0 = Date.now()
      const t0 = performance.now()
      await replaceDpkgStatus(target.dpkgStatus, CHANGED_PACKAGES)
      const shown = await watchFleetViews(fleet, computers => computers.some(c => c.id === target.id && c.lastSeen !== before && c.summary.missing === CHANGED_MISSING),
        { t0, intervalMs: pollMs, deadline: t0 + deadlineMs, signal })
      // The record's publishedAt is on this machine's clock too: the exact moment the changed node published.
      const own = (await fleetView(target, signal)).find(c => c.id === target.id)
      const publishedMs = own === undefined || own.lastSeen === before ? undefined : Date.parse(own.lastSeen) - wallT0
      changeResults.push({ target: target.index, publishedMs, shownMs: shown.map(o => o.ms) })
      const missed = fleetLaggards(shown, n)
      progress(`change ${k + 1}/${changes} on node ${target.index}: published after ${publishedMs === undefined ? 'never' : `${(publishedMs / 1000).toFixed(2)} s`}, ` +
        (missed === '' ? `on every node after ${(Math.max(...shown.map(o => o.ms ?? 0)) / 1000).toFixed(2)} s` : `NOT on every node after ${deadlineMs / 1000} s: ${missed}`))
    }

    // 4. New catalogs, after the status changes so those figures stay comparable with earlier runs: the rescans
    // a catalog sets off publish a status on every node. Versions 2, 3, … over the version 1 every node started with.
    const catalogRounds: MeshMeasurements['catalogs'] = []
    for (let k = 0; k < catalogs; k++) {
      const publisher = spreadPick(pool, k, catalogs)
      const round = await catalogRound(fleet, publisher, k + 2, {
        dir, keyFile: join(meshDir, 'catalog-signer.key'), passphraseFile: join(dir, 'passphrase'), pollMs: catalogPollMs, fleetPollMs: pollMs, deadlineMs, signal
      })
      catalogRounds.push(round)
      const got = round.importedMs.filter(v => v !== undefined)
      progress(`catalog ${k + 1}/${catalogs}, version ${round.version} via node ${publisher.index}: publish took ${(round.publishMs / 1000).toFixed(2)} s, ` +
        (round.missed === '' ? `imported on every node ${(Math.max(...got) / 1000).toFixed(2)} s after it was invoked` : `NOT on every node after ${deadlineMs / 1000} s: ${round.missed}`) +
        (round.rescannedMs === undefined ? '; the fleet views never all showed the rescans' : `; every fleet view showed the rescans after ${(round.rescannedMs / 1000).toFixed(2)} s`))
    }

    // 5. Idle: no HTTP polling; TCP bytes per node from ss (HTTP ports excluded), CPU and memory from /proc.
    progress(`idling ${idleSeconds} s...`)
    const pids = fleet.map(node => node.pid)
    const meter = new TrafficMeter(pids, fleet.map(node => node.httpPort))
    const cpuBefore = await Promise.all(pids.map(async pid => await cpuMs(pid) ?? NaN))
    await meter.sample(signal)
    const idleStart = performance.now()
    for (let left = idleSeconds * 1000; left > 0; left = idleSeconds * 1000 - (performance.now() - idleStart)) {
      await delay(Math.min(TRAFFIC_SAMPLE_MS, left), undefined, { signal })
      await meter.sample(signal)
    }
    const idleS = (performance.now() - idleStart) / 1000
    const cpuAfter = await Promise.all(pids.map(async pid => await cpuMs(pid) ?? NaN))
    const rssAfterIdle = await Promise.all(pids.map(async pid => await residentBytes(pid) ?? NaN))
    const traffic = meter.totals()
    const idle = fleet.map((node, i) => {
      const t = traffic.get(node.pid)
      const payload = (t?.bytesSent ?? 0) + (t?.bytesReceived ?? 0)
      return {
        payloadBytesPerS: payload / idleS,
        wireBytesPerS: (payload + (t?.segments ?? 0) * TCP_IPV4_HEADER_BYTES) / idleS,
        cpuPercent: ((cpuAfter[i] as number) - (cpuBefore[i] as number)) / 10 / idleS,
        connections: t?.socketsOpen ?? 0,
        socketsClosed: t?.socketsClosed ?? 0,
        bytesSent: t?.bytesSent ?? 0,
        bytesReceived: t?.bytesReceived ?? 0
      }
    })
    const crashed = await nodes.crashed()
    if (crashed.length > 0) progress(`${crashed.length} node(s) exited by themselves:\n${crashed.join('\n\n')}`)

    // 6. Stop before reporting, so that a node that does not stop cleanly shows in the table.
    const stopped = await nodes.stopAll()
    const measurements: MeshMeasurements = {
      nodes: n,
      pollMs,
      startConcurrency,
      startAllMs,
      startMs: fleet.map(node => node.startMs),
      convergedMs: converged.map(o => o.ms),
      deadlineMs,
      changes: changeResults,
      catalogPollMs,
      catalogs: catalogRounds,
      idleSeconds,
      bootstrapNodes: Math.min(2, n),
      idle,
      rssAfterConvergence,
      rssAfterIdle,
      stopped
    }
    const perNode = fleet.map((node, i) => ({
      index: node.index, site: node.site, id: node.id, startMs: node.startMs, convergedMs: converged[i]?.ms, convergedLastCount: converged[i]?.last?.length ?? 0,
      rssAfterConvergence: rssAfterConvergence[i], rssAfterIdle: rssAfterIdle[i], idle: idle[i]
    }))
    await report('mesh', meshRows(measurements), { nodes: n, startConcurrency, idleSeconds: idleS, pollMs, catalogPollMs, deadlineMs, changes: changeResults, catalogs: catalogRounds, stopped, crashed, perNode })
  } catch (err) {
    const crashed = await nodes.crashed()
    if (crashed.length > 0) process.stderr.write(`node(s) that exited by themselves:\n${crashed.join('\n\n')}\n`)
    if (!signal.aborted) throw err
    process.exitCode = 130
  } finally {
    const stopped = await nodes.stopAll()
    if (stopped.killed > 0 || stopped.other.length > 0) process.stderr.write(`stopping: ${stopped.killed} killed; ${stopped.other.join('; ')}\n`)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', onExit)
    if (values.keep === true) {
      process.stdout.write(`kept ${dir} (node logs in node-*/stderr.log)\n`)
    } else {
      await rm(dir, { recursive: true, force: true })
    }
  }
}
