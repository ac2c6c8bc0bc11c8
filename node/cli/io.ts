/** What a CLI command may use of the outside world, so tests can run commands in-process. */
export interface CliIo {
  out: (text: string) => void
  err: (text: string) => void
  /** Terminal width, when stdout is a terminal. */
  columns?: number
  /** Terminal height, when stdout is a terminal. */
  rows?: number
  /** Redraws one status line (a progress bar) in place; only when stderr is a terminal. */
  progress?: (line: string) => void
  /** Replaces the text it drew last on stdout with `text` (a live view); only when stdout is a terminal. */
  redraw?: (text: string) => void
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal
}
