import { runCli } from '../../node/cli/main.ts'

/** Runs the CLI in-process and captures what it printed. */
export async function runCliCaptured (argv: string[], signal = new AbortController().signal): Promise<{ code: number, stdout: string, stderr: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(argv, { out: text => out.push(text), err: text => err.push(text), signal })
  return { code, stdout: out.join('\n'), stderr: err.join('\n') }
}
