// Benchmarks: `npm run bench -- <scenario> [options]`. Not part of `npm test`.
const SCENARIOS: Record<string, { summary: string, load: () => Promise<{ run: (argv: string[]) => Promise<void> }> }> = {
  scan: { summary: 'parse and scan a 100,000-patch catalog; OpenSCAP on the same data', load: async () => await import('./scan/bench.ts') },
  mesh: { summary: 'N node processes on loopback: fleet convergence, new-status spread, idle traffic, memory', load: async () => await import('./mesh/bench.ts') },
  // The branch-office testbed (root, network namespaces): each against the central HTTP and BitTorrent baselines.
  s1: { summary: 'testbed: B branches × K nodes behind shaped WAN links; time to the last node, WAN bytes per branch', load: async () => await import('./testbed/s1.ts') },
  s2: { summary: 'testbed: N nodes with upload caps, one seed; time against the Kumar–Ross bound', load: async () => await import('./testbed/s2.ts') },
  s3: { summary: 'testbed: churn in the middle of a run (30 % of nodes killed, a WAN link cut and restored)', load: async () => await import('./testbed/s3.ts') },
  s4: { summary: 'testbed, patchmesh only: time for a new status record and a signed manifest to reach every node (p50/p99), idle bytes', load: async () => await import('./testbed/s4.ts') }
}

const [name, ...rest] = process.argv.slice(2)
const scenario = name == null ? undefined : SCENARIOS[name]
if (scenario == null) {
  process.stderr.write(`usage: npm run bench -- <scenario> [options]\n\nscenarios:\n${Object.entries(SCENARIOS).map(([n, s]) => `  ${n.padEnd(8)} ${s.summary}`).join('\n')}\n`)
  process.exitCode = 2
} else {
  await (await scenario.load()).run(rest)
}
