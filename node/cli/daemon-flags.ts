/**
 * Node.js flags a long-running node is started with: `npm start` passes them, `npm install` fills
 * the compile cache with them (postinstall), and the benchmarks start their nodes with them, so they
 * measure the node as it runs. A service unit that starts `node node/cli/patchmesh.js node start`
 * should pass them too.
 * - `--max-semi-space-size=2`: a young generation of 2 MB instead of V8's 16 MB. An idle or gossiping
 *   node allocates little per second, and the larger one only sat in memory: in the 50-node
 *   benchmark it took the mean resident memory per node from 164 MB to 145 MB with no more CPU.
 * - `--no-lazy`: every function is compiled when its module loads, not at its first call, and the
 *   compile cache (patchmesh.js) keeps the result, so a start reads it instead of compiling. The code
 *   that takes a new catalog in (fetch, serve, checks, import) used to be compiled the moment the
 *   first catalog arrived, on every node of the fleet at once: in the 50-node benchmark the first
 *   catalog round missed its 3 s goal while later rounds took about 2 s (README, mesh benchmark).
 * - `--no-flush-bytecode`: V8 drops the compiled form of functions that have not run for a while,
 *   and catalogs come hours apart; each would meet cold code again.
 * The last two cost about 10 MB per node.
 * - `--v8-pool-size=1`: one V8 helper thread for background compiling and garbage collection instead
 *   of four. A node is a background agent; fewer threads also mean fewer malloc arenas (3–4 MB less
 *   mean resident memory per node in the 50-node benchmark).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--no-lazy', '--no-flush-bytecode', '--v8-pool-size=1']

/**
 * The patchmesh command that fills the compile cache for a node: `node start --help` loads every
 * module a node runs and exits, and the cache is written at the exit. Run with DAEMON_NODE_FLAGS. A
 * node that starts on an empty cache has to strip and compile everything itself and carries the
 * type stripper until it restarts (about 25 MB more).
 */
export const FILL_COMPILE_CACHE_ARGS: readonly string[] = ['node', 'start', '--help']
