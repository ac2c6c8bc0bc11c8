// `npm run bench -- s3 [--hq-nodes H (8)] [--nodes K (8)] [--size MB (50)] [--up MBIT (50)] [--wan MBIT (50)] [--kill-percent P (30)] [--cut-seconds C (10)] [--recover-seconds R (120)] [--systems LIST] [--deadline-seconds S] [--keep]`
// S3, churn: S2's nodes with upload caps, split between HQ (the seed + H nodes) and one branch of K
// nodes behind a WAN link. Once one node besides the seed holds a full copy, P % of all nodes are
// killed (the seed first) and the branch's WAN link is cut for C seconds. Do all survivors complete,
// how many bytes did they fetch twice, and how long after the link came back?
import { CUT, FIRST_COPY, KILLED, RESTORED, churn } from './churn.ts'
import { payloadBytes } from './counters.ts'
import { runScenario } from './bench.ts'
import { mbit, parseScenarioArgs } from './options.ts'
import { seconds, times } from './table.ts'
import type { DistributionResult } from './distribution.ts'

/** The issue's goals: every survivor completes, and re-fetches at most 10 % of F in all. */
export const REFETCH_GOAL_TIMES_F = 0.1
const CUT_SITE = 'b1'

/** Bytes each survivor received beyond one copy (TCP payload), summed; and the most by one node. */
export function refetched (r: DistributionResult): { total: number, max: number } {
  const extra = r.nodes.filter(n => !n.killed).map(n => Math.max(0, payloadBytes(n.in) - r.fileBytes))
  return { total: extra.reduce((a, b) => a + b, 0), max: Math.max(0, ...extra) }
}

const eventMs = (r: DistributionResult, prefix: string): number | undefined => r.events.find(e => e.what.startsWith(prefix))?.ms

export async function run (argv: string[]): Promise<void> {
  const args = parseScenarioArgs(argv, 's3', {
    'hq-nodes': { default: 8, integer: true, min: 1, help: 'H' },
    nodes: { default: 8, integer: true, min: 1, help: 'K' },
    size: { default: 50, help: 'MB' },
    up: { default: 50, help: 'MBIT' },
    wan: { default: 50, help: 'MBIT' },
    'kill-percent': { default: 30, help: 'P' },
    'cut-seconds': { default: 10, help: 'C' },
    'recover-seconds': { default: 120, help: 'R' }
  })
  if (args === undefined) return
  const { values: v, systems, deadlineSeconds, keep } = args
  const hq = v['hq-nodes'] as number
  const k = v.nodes as number
  const all = hq + 1 + k
  const kill = Math.max(1, Math.round(all * (v['kill-percent'] as number) / 100))
  const fileBytes = Math.round((v.size as number) * 1e6)
  const up = mbit(v.up) as number
  const cutMs = (v['cut-seconds'] as number) * 1000
  const recoverMs = (v['recover-seconds'] as number) * 1000
  // The central server's time for everyone, then the cut and the recovery window: the run gives up after that anyway.
  const deadlineMs = deadlineSeconds !== undefined ? deadlineSeconds * 1000 : (hq + k) * fileBytes * 8 / up * 1000 + cutMs + recoverMs + 60_000
  await runScenario({
    name: 's3',
    title: `S3 churn: seed + ${hq} nodes at HQ, ${k} nodes in ${CUT_SITE} behind a ${v.wan} Mbit/s WAN link, uploads capped at ${v.up} Mbit/s, one ${v.size} MB file`,
    notes: [
      `once one node besides the seed holds a full copy: kill ${kill} of ${all} nodes (${v['kill-percent']} %, the seed first), cut ${CUT_SITE}'s WAN link for ${seconds(cutMs)}, then allow ${seconds(recoverMs)} to recover`,
      're-fetched: TCP payload each survivor received beyond one copy, summed over the survivors'
    ],
    spec: { hqNodes: hq + 1, branches: 1, nodesPerBranch: k, wanBitPerS: mbit(v.wan), nodeUpBitPerS: up },
    fileBytes,
    deadlineMs,
    columns: [
      { header: 'killed', cell: r => eventMs(r, KILLED) === undefined ? '0' : String(r.nodes.filter(n => n.killed).length + 1) },
      { header: 'first copy at', cell: r => seconds(eventMs(r, FIRST_COPY)) },
      { header: 're-fetched ÷ F: all, max node', cell: r => `${times(refetched(r).total / fileBytes)}, ${times(refetched(r).max / fileBytes)}` },
      {
        header: 'recovered after restore',
        cell: r => {
          const restored = eventMs(r, RESTORED)
          // Survivors that hold everything they need inside the branch finish while its link is still down.
          if (restored === undefined) return eventMs(r, CUT) === undefined ? 'no cut' : r.lastMs === undefined ? 'not recovered' : 'done during the cut'
          return r.lastMs === undefined ? 'not recovered' : seconds(r.lastMs - restored)
        }
      }
    ],
    goals: [
      { name: 'survivors', text: 'every surviving node completes', met: r => r.complete === r.expected },
      { name: 're-fetch', text: `re-fetched ≤ ${REFETCH_GOAL_TIMES_F} × F over all survivors`, met: r => refetched(r).total <= REFETCH_GOAL_TIMES_F * fileBytes }
    ],
    ratios: [{ name: 'time to the last survivor', value: r => r.lastMs }],
    parameters: { hqNodes: hq, branchNodes: k, fileBytes, nodeUpBitPerS: up, wanBitPerS: mbit(v.wan), kill, cutMs, recoverMs, deadlineMs },
    churn: () => churn({ kill, cutSite: CUT_SITE, cutMs, recoverMs }),
    epilogue: outcomes => ['', 'timelines (s after the fetches started):', ...outcomes.flatMap(o => 'result' in o
      ? [`  ${o.system}: ${o.result.events.map(e => `${(e.ms / 1000).toFixed(1)} ${e.what}`).join('; ')}`]
      : [])]
  }, systems, keep)
}
