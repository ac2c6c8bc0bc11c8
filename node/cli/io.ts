/** What a CLI command may use of the outside world, so tests can run commands in-process. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
  /** Terminal width, when stdout is a terminal. */
  columns?: number
  /** Redraws one status line (a progress bar) in place; only when stderr is a terminal. */
  progress?: (line: string) => void
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal
}
