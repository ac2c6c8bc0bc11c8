// Benchmarks: `npm run bench -- <scenario> [options]`. Not part of `npm test`.
const SCENARIOS: Record<string, { summary: string, load: () => Promise<{ run: (argv: string[]) => Promise<void> }> }> = {
  scan: { summary: 'parse and scan a 100,000-patch catalog; OpenSCAP on the same data', load: async () => await import('./scan/bench.ts') },
  mesh: { summary: 'N node processes on loopback: fleet convergence, new-status spread, idle traffic, memory', load: async () => await import('./mesh/bench.ts') }
}

const [name, ...rest] = process.argv.slice(2)
const scenario = name == null ? undefined : SCENARIOS[name]
if (scenario == null) {
  process.stderr.write(`usage: npm run bench -- <scenario> [options]\n\nscenarios:\n${Object.entries(SCENARIOS).map(([n, s]) => `  ${n.padEnd(8)} ${s.summary}`).join('\n')}\n`)
  process.exitCode = 2
} else {
  await (await scenario.load()).run(rest)
}
