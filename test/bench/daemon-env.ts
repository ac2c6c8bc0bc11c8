// Extra environment for the node daemons a benchmark starts, so a run can be profiled as it is:
// PATCHMESH_BENCH_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' reaches every daemon as NODE_OPTIONS.

/** NODE_OPTIONS for the daemons when PATCHMESH_BENCH_NODE_OPTIONS is set, else nothing. */
export function daemonEnv (): Record<string, string> {
  const options = process.env.PATCHMESH_BENCH_NODE_OPTIONS
  return options === undefined ? {} : { NODE_OPTIONS: options }
}
