/**
 * Node.js flags a long-running node is started with: `npm start` passes them, and so do the
 * benchmarks, so they measure the node as it runs. A young generation of 2 MB instead of V8's 16 MB:
 * an idle or gossiping node allocates little per second, and the larger one only sat in memory. In
 * the 50-node benchmark it took the mean resident memory per node from 164 MB to 145 MB with no
 * more CPU. A service unit that starts `node node/cli/patchmesh.js node start` should pass them too.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2']
