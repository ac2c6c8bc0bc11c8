// `npm run bench -- s1 [--branches B (2)] [--nodes K (8)] [--size MB (50)] [--wan MBIT (20)] [--node-up MBIT] [--node-down MBIT] [--systems LIST] [--deadline-seconds S] [--keep]`
// S1, branch offices: HQ with the seed, B branches of K nodes behind shaped WAN links. How long
// until the last node holds the file, against the lower bound F/w, and how many bytes each branch
// pulled across its WAN link, against one copy.
import { payloadBytes } from './counters.ts'
import { runScenario } from './bench.ts'
import { mbit, parseScenarioArgs } from './options.ts'
import { branchWan, seconds, times } from './table.ts'
import type { DistributionResult } from './distribution.ts'

/** The issue's goals: each branch pulls at most 5 % more than one copy, and the last node finishes within 1.3 × F/w. */
export const WAN_GOAL_TIMES_F = 1.05
export const TIME_GOAL_TIMES_BOUND = 1.3

export async function run (argv: string[]): Promise<void> {
  const args = parseScenarioArgs(argv, 's1', {
    branches: { default: 2, integer: true, min: 1, help: 'B' },
    nodes: { default: 8, integer: true, min: 1, help: 'K' },
    size: { default: 50, help: 'MB' },
    wan: { default: 20, help: 'MBIT' },
    'node-up': { help: 'MBIT' },
    'node-down': { help: 'MBIT' }
  })
  if (args === undefined) return
  const { values: v, systems, deadlineSeconds, keep } = args
  const branches = v.branches as number
  const k = v.nodes as number
  const fileBytes = Math.round((v.size as number) * 1e6)
  const wanBitPerS = mbit(v.wan) as number
  const boundMs = fileBytes * 8 / wanBitPerS * 1000
  // The distribution-point model pulls K copies through each WAN link: the slowest system, with room to spare.
  const deadlineMs = deadlineSeconds !== undefined ? deadlineSeconds * 1000 : 2 * k * boundMs + 60_000
  const wanIn = (r: DistributionResult): number[] => branchWan(r).map(w => payloadBytes(w.in))
  await runScenario({
    name: 's1',
    title: `S1 branch offices: HQ (seed) + ${branches} branch${branches > 1 ? 'es' : ''} × ${k} nodes behind ${v.wan} Mbit/s WAN links, one ${v.size} MB file` +
      `${v['node-up'] === undefined ? '' : `, node upload ${v['node-up']} Mbit/s`}${v['node-down'] === undefined ? '' : `, node download ${v['node-down']} Mbit/s`}`,
    notes: [
      `lower bound F/w = ${seconds(boundMs)} (one copy across one WAN link); the central server needs K·F/w = ${seconds(k * boundMs)}`,
      'WAN bytes: TCP payload across each branch link (interface counters less 66 header bytes per frame); in brackets the bytes on the wire'
    ],
    spec: { hqNodes: 1, branches, nodesPerBranch: k, wanBitPerS, nodeUpBitPerS: mbit(v['node-up']), nodeDownBitPerS: mbit(v['node-down']) },
    fileBytes,
    deadlineMs,
    columns: [
      { header: 'last ÷ F/w', cell: r => times(r.lastMs === undefined ? undefined : r.lastMs / boundMs) },
      { header: 'WAN into each branch ÷ F: payload (wire)', cell: r => branchWan(r).map(w => `${w.site} ${times(payloadBytes(w.in) / fileBytes)} (${times(w.in.bytes / fileBytes)})`).join(', ') },
      { header: 'WAN out of each branch ÷ F', cell: r => branchWan(r).map(w => `${w.site} ${times(payloadBytes(w.out) / fileBytes)}`).join(', ') },
      { header: 'HQ WAN out ÷ F', cell: r => times(payloadBytes(r.wan.find(w => w.site === 'hq')?.out ?? { bytes: NaN, packets: 0 }) / fileBytes) }
    ],
    goals: [
      { name: 'WAN', text: `TCP payload into each branch ≤ ${WAN_GOAL_TIMES_F} × F`, met: r => wanIn(r).every(bytes => bytes <= WAN_GOAL_TIMES_F * fileBytes) },
      { name: 'time', text: `last node ≤ ${TIME_GOAL_TIMES_BOUND} × F/w = ${seconds(TIME_GOAL_TIMES_BOUND * boundMs)}`, met: r => r.lastMs !== undefined && r.lastMs <= TIME_GOAL_TIMES_BOUND * boundMs }
    ],
    ratios: [
      { name: 'time to the last node', value: r => r.lastMs },
      { name: 'WAN payload into the branches', value: r => wanIn(r).reduce((a, b) => a + b, 0) }
    ],
    parameters: { branches, nodesPerBranch: k, fileBytes, wanBitPerS, nodeUpBitPerS: mbit(v['node-up']), nodeDownBitPerS: mbit(v['node-down']), boundMs, deadlineMs }
  }, systems, keep)
}
