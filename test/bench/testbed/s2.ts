// `npm run bench -- s2 [--nodes N (16)] [--size MB (50)] [--up MBIT (50)] [--down MBIT] [--systems LIST] [--deadline-seconds S] [--keep]`
// S2, flat: one seed and N nodes on one LAN, every node's upload capped (and its download, when
// given). Time to the last node against the Kumar–Ross lower bound for peer-to-peer distribution,
// max(F/u_s, F/d_min, N·F/(u_s + Σu_i)).
import { payloadBytes } from './counters.ts'
import { runScenario } from './bench.ts'
import { mbit, parseScenarioArgs } from './options.ts'
import { seconds, times } from './table.ts'
import type { SystemOutcome } from './table.ts'

/** The issue's goals: within 1.5 × the bound, and faster than BitTorrent (aria2). */
export const TIME_GOAL_TIMES_BOUND = 1.5
const FASTER_THAN = 'bittorrent'

/** The Kumar–Ross minimum time (ms) to give N peers a file of F bytes from one seed; rates in bit/s, d undefined = unlimited. */
export function kumarRossBoundMs (fileBytes: number, n: number, seedUp: number, peerUp: number[], minDown?: number): number {
  const bits = fileBytes * 8
  const terms = [bits / seedUp, n * bits / (seedUp + peerUp.reduce((a, b) => a + b, 0))]
  if (minDown !== undefined) terms.push(bits / minDown)
  return Math.max(...terms) * 1000
}

export async function run (argv: string[]): Promise<void> {
  const args = parseScenarioArgs(argv, 's2', {
    nodes: { default: 16, integer: true, min: 1, help: 'N' },
    size: { default: 50, help: 'MB' },
    up: { default: 50, help: 'MBIT' },
    down: { help: 'MBIT' }
  })
  if (args === undefined) return
  const { values: v, systems, deadlineSeconds, keep } = args
  const n = v.nodes as number
  const fileBytes = Math.round((v.size as number) * 1e6)
  const up = mbit(v.up) as number
  const down = mbit(v.down)
  const boundMs = kumarRossBoundMs(fileBytes, n, up, Array.from({ length: n }, () => up), down)
  const centralMs = n * fileBytes * 8 / up * 1000
  const deadlineMs = deadlineSeconds !== undefined ? deadlineSeconds * 1000 : 2 * centralMs + 60_000
  /** The rival's time; Infinity when it never completed, undefined when it did not run. */
  const rival = (all: SystemOutcome[]): number | undefined => {
    const o = all.find(x => x.system === FASTER_THAN)
    return o === undefined || !('result' in o) ? undefined : o.result.lastMs ?? Infinity
  }
  await runScenario({
    name: 's2',
    title: `S2 flat: one seed + ${n} nodes on one LAN, every upload capped at ${v.up} Mbit/s${down === undefined ? '' : `, download at ${v.down} Mbit/s`}, one ${v.size} MB file`,
    notes: [
      `Kumar–Ross bound max(F/u_s, ${down === undefined ? '' : 'F/d_min, '}N·F/(u_s + Σu_i)) = ${seconds(boundMs)}${down === undefined ? ' (downloads unshaped: no F/d_min term)' : ''}`,
      `the central server alone needs N·F/u_s = ${seconds(centralMs)}`
    ],
    spec: { hqNodes: n + 1, branches: 0, nodesPerBranch: 0, nodeUpBitPerS: up, nodeDownBitPerS: down },
    fileBytes,
    deadlineMs,
    columns: [
      { header: 'last ÷ bound', cell: r => times(r.lastMs === undefined ? undefined : r.lastMs / boundMs) },
      { header: 'received/node ÷ F, max', cell: r => times(Math.max(...r.nodes.map(x => payloadBytes(x.in))) / fileBytes) }
    ],
    goals: [
      { name: 'time', text: `last node ≤ ${TIME_GOAL_TIMES_BOUND} × bound = ${seconds(TIME_GOAL_TIMES_BOUND * boundMs)}`, met: r => r.lastMs !== undefined && r.lastMs <= TIME_GOAL_TIMES_BOUND * boundMs },
      {
        name: `faster than ${FASTER_THAN}`,
        text: `last node sooner than ${FASTER_THAN}'s (aria2c)`,
        met: (r, all) => {
          if (r.system === FASTER_THAN) return null
          const theirs = rival(all)
          return r.lastMs === undefined ? false : theirs === undefined ? undefined : r.lastMs < theirs
        }
      }
    ],
    ratios: [{ name: 'time to the last node', value: r => r.lastMs }],
    parameters: { nodes: n, fileBytes, nodeUpBitPerS: up, nodeDownBitPerS: down, boundMs, centralMs, deadlineMs }
  }, systems, keep)
}
