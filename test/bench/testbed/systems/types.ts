// The system under test: what the harness needs from a way of moving one file from the seed node
// to every other node of the testbed. The two baselines implement it; patchmesh will too.
import type { SourceFile } from '../file.ts'
import type { NamespaceProcesses } from '../processes.ts'
import type { Testbed, TestbedNode } from '../topology.ts'

/** What the harness hands a system. */
export interface SystemContext {
  bed: Testbed
  /** Launch every process through this: the harness stops them all, on success, failure or Ctrl-C. */
  processes: NamespaceProcesses
  /** A folder of the system's own for this run: configuration, logs, each node's copy. */
  dir: string
  file: SourceFile
  signal: AbortSignal
}

/** Where one node's fetch stands; `at` is Date.now() when the node held (or gave up on) the whole file. */
export type FetchState =
  | { state: 'running' }
  | { state: 'complete', at: number }
  | { state: 'failed', at: number, reason: string }

export interface NodeFetch {
  node: TestbedNode
  /** Where the node's copy lands; the harness checks it byte for byte against the source. */
  outputPath: string
  /** Polled by the harness until complete or failed. */
  state: () => Promise<FetchState>
}

export interface DistributionSystem {
  readonly name: string
  /** Programs it needs on the PATH; a bench run names the missing ones and skips the system. */
  readonly programs: string[]
  /** Starts what serves the file from the seed node (bed.seed, which holds file.path); resolves once it serves. */
  prepare: (ctx: SystemContext) => Promise<void>
  /** Starts the fetch on one node other than the seed; resolves once it has started. */
  startNode: (node: TestbedNode, ctx: SystemContext) => Promise<NodeFetch>
}
