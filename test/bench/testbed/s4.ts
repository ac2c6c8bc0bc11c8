// `npm run bench -- s4 [--hq-nodes H (4)] [--branches B (2)] [--nodes K (6)] [--wan MBIT (20)] [--rounds R (2)] [--poll-ms P (50)] [--poll-concurrency C (4)] [--settle-seconds T (10)] [--idle-seconds I (30)] [--deadline-seconds D (30)] [--keep]`
// S4, gossip: S1's branch offices, all nodes running patchmesh (the baselines have no gossip). How
// long a new status record and a newly signed package manifest take to reach every node, from an
// HQ node and from a node in each branch, and what an idle fleet sends across its links.
import { setTimeout as delay } from 'node:timers/promises'
import { report } from '../report.ts'
import { mean, percentile } from '../mesh/wait.ts'
import { missingProgramsMessage, runGuarded } from './bench.ts'
import { idleTraffic, manifestSpread, statusSpread, writePackageInputs } from './gossip.ts'
import { startRelay } from './management.ts'
import { mbit, parseScenarioArgs, usage } from './options.ts'
import { startFleet } from './systems/patchmesh.ts'
import { withTestbed } from './topology.ts'
import type { BenchRow } from '../report.ts'
import type { Arrival, IdleLink, Spread, Watch } from './gossip.ts'
import type { NumberFlag } from './options.ts'
import type { Testbed, TestbedNode } from './topology.ts'

/** The issue's goal: both reach every node within 2 s p99 (16 nodes). */
export const SPREAD_GOAL_P99_MS = 2_000
/** A node's peers take 10 of its status records in a burst, then one a minute: one at start, one per round, and room to spare. */
const MAX_ROUNDS = 8
/** @default 30 s for one record or manifest to reach every node. */
const DEFAULT_SPREAD_DEADLINE_S = 30

const FLAGS = {
  'hq-nodes': { default: 4, integer: true, min: 1, help: 'H' },
  branches: { default: 2, integer: true, min: 1, help: 'B' },
  nodes: { default: 6, integer: true, min: 1, help: 'K' },
  wan: { default: 20, help: 'MBIT' },
  rounds: { default: 2, integer: true, min: 1, help: 'R' },
  // 50 ms per node: 2.5 % of the goal. Nodes that already hold it are no longer polled.
  'poll-ms': { default: 50, integer: true, min: 10, help: 'P' },
  // Requests in flight at once through the relay: bounds what polling costs a loaded 2-core machine.
  'poll-concurrency': { default: 4, integer: true, min: 1, help: 'C' },
  'settle-seconds': { default: 10, min: 0, integer: true, help: 'T' },
  'idle-seconds': { default: 30, help: 'I' }
} satisfies Record<string, NumberFlag>

/** Who publishes: a node at HQ other than the seed (every node's first peer) when there is one, and the first node of each branch. */
export function publishers (bed: Testbed): TestbedNode[] {
  const hq = bed.nodes.filter(n => n.site.name === 'hq')
  return [hq.find(n => n.role !== 'seed') ?? bed.seed, ...bed.sites.filter(s => s.name !== 'hq').flatMap(s => bed.nodes.find(n => n.site === s) ?? [])]
}

const secs = (ms: number): string => Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'never'
const rate = (bytesPerS: number): string => `${(bytesPerS / 1000).toFixed(2)} KB/s`

/** Every arrival of the spreads (by default its ms), a node that never got there counting as Infinity, so that p99 says so. */
const times = (spreads: Spread[], pick = (a: Arrival): number | undefined => a.ms): number[] => spreads.flatMap(s => s.arrivals.map(a => pick(a) ?? Infinity))

function spreadRow (label: string, spreads: Spread[], how: string): BenchRow {
  const all = times(spreads)
  const missed = all.filter(ms => ms === Infinity).length
  const p99 = percentile(all, 99)
  return {
    metric: `${label} → every other node, ${how} (p50 / p99 / max over ${all.length} arrivals${missed > 0 ? `; ${missed} never arrived` : ''})`,
    value: `${secs(percentile(all, 50))} / ${secs(p99)} / ${secs(Math.max(...all))}`,
    goal: `p99 ≤ ${secs(SPREAD_GOAL_P99_MS)}`,
    met: p99 <= SPREAD_GOAL_P99_MS
  }
}

function idleRow (label: string, links: IdleLink[], seconds: number): BenchRow {
  const wire = links.map(l => l.bytesPerS)
  const payload = links.map(l => l.payloadBytesPerS)
  return {
    metric: `idle ${Math.round(seconds)} s, ${label}, in + out: on the wire (TCP payload), mean / max`,
    value: `${rate(mean(wire))} (${rate(mean(payload))}) / ${rate(Math.max(...wire))} (${rate(Math.max(...payload))})`
  }
}

export async function run (argv: string[]): Promise<void> {
  const args = parseScenarioArgs(argv, 's4', FLAGS, { systems: false })
  if (args === undefined) return
  const { values: v, keep } = args
  const rounds = v.rounds as number
  if (rounds > MAX_ROUNDS) {
    process.stderr.write(`--rounds ${rounds}: at most ${MAX_ROUNDS} (peers rate-limit a node's status records beyond a burst of 10)\n${usage('s4', FLAGS, { systems: false })}\n`)
    process.exitCode = 2
    return
  }
  const spec = { hqNodes: v['hq-nodes'] as number, branches: v.branches as number, nodesPerBranch: v.nodes as number, wanBitPerS: mbit(v.wan), management: true }
  const total = spec.hqNodes + spec.branches * spec.nodesPerBranch
  const deadlineMs = (args.deadlineSeconds ?? DEFAULT_SPREAD_DEADLINE_S) * 1000
  const pollMs = v['poll-ms'] as number
  const concurrency = v['poll-concurrency'] as number

  await runGuarded('s4', keep, async ({ dir, signal, out }) => {
    const why = await missingProgramsMessage(['curl'])
    if (why !== undefined) {
      out(`s4: skipped: ${why}`)
      return
    }
    out(`S4 gossip: ${total} patchmesh nodes, ${spec.hqNodes} at HQ + ${spec.branches} branch${spec.branches > 1 ? 'es' : ''} × ${spec.nodesPerBranch} behind ${v.wan} Mbit/s WAN links; ${rounds} round${rounds > 1 ? 's' : ''} per publisher`)
    out(`  nodes are polled every ${pollMs} ms, at most ${concurrency} requests at once, over a management link apart from the measured ones`)
    await withTestbed(spec, signal, async (bed, processes) => {
      const ctx = { bed, processes, dir, signal }
      const started = performance.now()
      const ids = await startFleet(ctx)
      const formedMs = performance.now() - started
      out(`${total} daemons started; every fleet view held every node after ${secs(formedMs)}; settling ${v['settle-seconds']} s`)
      const client = await startRelay(bed, processes, dir, concurrency, signal)
      try {
        const w: Watch = { ctx, client, ids, pollMs, deadlineMs }
        const who = publishers(bed)
        const inputs = await writePackageInputs(dir)
        const progress = (s: Spread): Spread => {
          const got = s.arrivals.flatMap(a => a.ms ?? [])
          out(`  ${s.what} from ${s.publisher}: ${got.length}/${s.arrivals.length} nodes, p50 ${secs(percentile(got, 50))}, last ${got.length === s.arrivals.length ? secs(Math.max(...got)) : 'never'}`)
          return s
        }
        await delay((v['settle-seconds'] as number) * 1000, undefined, { signal })

        const status: Spread[] = []
        for (let r = 1; r <= rounds; r++) for (const p of who) status.push(progress(await statusSpread(w, p)))
        const manifests: Spread[] = []
        for (let r = 1; r <= rounds; r++) for (const p of who) manifests.push(progress(await manifestSpread(w, p, `s4-r${r}-${p.name}`, inputs)))

        out(`settling ${v['settle-seconds']} s, then idle for ${v['idle-seconds']} s…`)
        await delay((v['settle-seconds'] as number) * 1000, undefined, { signal })
        const idle = await idleTraffic(bed, v['idle-seconds'] as number, signal)
        const exited = processes.all().filter(p => p.exit !== undefined).map(p => p.spec.label)

        const gaps = status.flatMap(s => s.arrivals.flatMap(a => a.gapMs ?? []))
        const rows: BenchRow[] = [
          { metric: `${total} daemons started, the seed first; until every fleet view holds every node`, value: secs(formedMs) },
          spreadRow('new status record: published', status, 'first poll that shows it'),
          spreadRow('signed package manifest: accepted at the publisher', manifests, 'accepted there (its own receivedAt)'),
          { metric: 'the same manifests, to the first poll that shows them (a cross-check): p99', value: secs(percentile(times(manifests, a => a.seenMs), 99)) },
          { metric: 'status polls: gap before the poll that first showed it (how late a time may be), mean / max', value: `${Math.round(mean(gaps))} ms / ${Math.round(Math.max(...gaps))} ms` },
          idleRow('per branch WAN link', idle.wan, idle.seconds),
          idleRow('per node link', idle.nodes, idle.seconds),
          { metric: 'processes that exited by themselves', value: exited.length === 0 ? 'none' : exited.join(', '), met: exited.length === 0 }
        ]
        out('')
        await report('s4', rows, {
          parameters: { ...spec, total, rounds, pollMs, concurrency, deadlineMs, settleSeconds: v['settle-seconds'], idleSeconds: v['idle-seconds'], publishers: who.map(n => n.name), goalP99Ms: SPREAD_GOAL_P99_MS },
          formedMs,
          status,
          manifests,
          idle
        })
      } finally {
        client.close()
      }
    })
  })
}
