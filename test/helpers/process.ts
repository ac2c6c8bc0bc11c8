import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pollUntil } from './poll.ts'
import type { ChildProcess } from 'node:child_process'
import type { TestContext } from 'node:test'

export const CLI = new URL('../../node/cli/patchmesh.js', import.meta.url).pathname

/** A `patchmesh` process started by a test; killed when the test ends if still running. */
export interface CliProcess {
  child: ChildProcess
  stderr: () => string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

/** Starts `patchmesh ARGS` as a real process with the same Node as the tests. */
export function spawnCli (t: TestContext, args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdout?.resume()
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  t.after(() => { if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL') })
  return { child, stderr: () => stderr, exited }
}

/** Waits for a node process to write its runtime file, and returns its base URL. */
export async function waitForNodeUrl (dataDir: string, proc: CliProcess, timeoutMs = 20_000): Promise<string> {
  return await pollUntil(async () => {
    if (proc.child.exitCode != null) throw new Error(`node exited early with ${proc.child.exitCode}: ${proc.stderr()}`)
    const runtime = JSON.parse(await readFile(join(dataDir, 'node.json'), 'utf8')) as { url: string }
    return runtime.url
  }, 'the node to start', timeoutMs)
}
