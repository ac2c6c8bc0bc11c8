// Runs one testbed scenario: the same topology and the same file for every system, one after the
// other on a fresh testbed each, then prints them side by side and writes the JSON. Needs root and
// `ip netns`; elsewhere it says so and skips. Ctrl-C tears everything down (twice: at once). That
// guard is runGuarded, which scenarios of another shape (S4) use on their own.
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runDistribution } from './distribution.ts'
import { writeRandomFile } from './file.ts'
import { missingPrograms, testbedUnsupported } from './netns.ts'
import { commonColumns, formatReport, seconds, writeResults } from './table.ts'
import { destroyAllSync } from './topology.ts'
import type { LiveRun } from './distribution.ts'
import type { SystemEntry } from './systems/index.ts'
import type { Column, Goal, RatioMetric, SystemOutcome } from './table.ts'
import type { TopologySpec } from './topology.ts'

/** How often a run prints how many nodes are done. */
const PROGRESS_EVERY_MS = 10_000
/** Besides each system's own, what any testbed needs. */
const TESTBED_PROGRAMS = ['ip', 'tc', 'ss']
/** Where each program comes from on Debian, for the "missing" message. */
const DEBIAN_PACKAGE: Record<string, string> = { nginx: 'nginx-light', curl: 'curl', aria2c: 'aria2', opentracker: 'opentracker', ip: 'iproute2', tc: 'iproute2', ss: 'iproute2' }

export interface ScenarioPlan {
  name: string
  /** Printed first: what runs. */
  title: string
  /** Printed under the title: bounds and models. */
  notes: string[]
  spec: TopologySpec
  fileBytes: number
  deadlineMs: number
  /** The scenario's own columns, between the common ones. */
  columns: Column[]
  goals: Goal[]
  ratios: RatioMetric[]
  parameters: Record<string, unknown>
  /** A fresh event driver per system run (S3's churn). */
  churn?: () => (live: LiveRun) => Promise<void>
  /** Lines printed after the table. */
  epilogue?: (outcomes: SystemOutcome[]) => string[]
}

/** What runGuarded hands a scenario. */
export interface GuardedRun {
  /** A temporary folder of the run's own: removed afterwards unless --keep. */
  dir: string
  /** Aborted by the first Ctrl-C or SIGTERM. */
  signal: AbortSignal
  /** Prints a line. */
  out: (text: string) => void
}

/** Why a testbed cannot run these programs ("needs …, apt-get install …"), or undefined when all are there. */
export async function missingProgramsMessage (programs: string[]): Promise<string | undefined> {
  const missing = await missingPrograms([...TESTBED_PROGRAMS, ...programs])
  if (missing.length === 0) return undefined
  return `needs ${missing.join(', ')} (apt-get install ${[...new Set(missing.map(p => DEBIAN_PACKAGE[p] ?? p))].join(' ')})`
}

/**
 * Runs a testbed scenario's body, or says why this machine cannot (not root, no `ip netns`). The
 * body gets a temporary folder and a signal that Ctrl-C or SIGTERM aborts; a second Ctrl-C exits at
 * once. Whichever way it ends, every namespace of this process goes, and the folder unless `keep`.
 */
export async function runGuarded (name: string, keep: boolean, body: (run: GuardedRun) => Promise<void>): Promise<void> {
  const out = (text: string): void => { process.stdout.write(`${text}\n`) }
  const unsupported = await testbedUnsupported()
  if (unsupported !== undefined) {
    out(`${name}: skipped: ${unsupported}`)
    return
  }
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (): void => {
    if (++interrupts > 1) process.exit(130)
    process.stderr.write('\ninterrupted: tearing the testbed down (Ctrl-C again to kill everything at once)\n')
    controller.abort(new Error('interrupted'))
  }
  const dir = await mkdtemp(join(tmpdir(), 'patchmesh-testbed-'))
  // A second Ctrl-C exits at once: this still removes the namespaces, their processes and (unless --keep) the files.
  const onExit = (): void => {
    destroyAllSync()
    if (!keep) rmSync(dir, { recursive: true, force: true })
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('exit', onExit)
  try {
    await body({ dir, signal: controller.signal, out })
  } catch (err) {
    if (!controller.signal.aborted) throw err
    process.exitCode = 130
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', onExit)
    if (keep) out(`kept ${dir} (logs and copies per system and node)`)
    else await rm(dir, { recursive: true, force: true })
  }
}

/** Runs the plan for each system and reports. */
export async function runScenario (plan: ScenarioPlan, systems: SystemEntry[], keep: boolean): Promise<void> {
  await runGuarded(plan.name, keep, async ({ dir, signal, out }) => {
    out(plan.title)
    for (const note of plan.notes) out(`  ${note}`)
    const file = await writeRandomFile(join(dir, 'patch.bin'), plan.fileBytes)
    const outcomes: SystemOutcome[] = []
    for (const entry of systems) {
      if (entry.create === undefined) {
        out(`${entry.name}: ${entry.unavailable ?? 'not available'}`)
        outcomes.push({ system: entry.name, unavailable: entry.unavailable ?? 'not available' })
        continue
      }
      const system = entry.create()
      const why = await missingProgramsMessage(system.programs)
      if (why !== undefined) {
        out(`${system.name}: skipped: ${why}`)
        outcomes.push({ system: system.name, unavailable: why })
        continue
      }
      out(`${system.name}: running (deadline ${seconds(plan.deadlineMs)})…`)
      const churn = plan.churn?.()
      let lastProgress = Date.now()
      const systemDir = join(dir, system.name)
      const result = await runDistribution(system, {
        spec: plan.spec,
        file,
        dir: systemDir,
        deadlineMs: plan.deadlineMs,
        signal,
        onTick: async live => {
          if (churn !== undefined) await churn(live)
          if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
            lastProgress = Date.now()
            const done = [...live.states.values()].filter(s => s.state === 'complete').length
            out(`  ${seconds(Date.now() - live.t0)}: ${done}/${live.states.size} complete${live.killed.size > 0 ? `, ${live.killed.size} killed` : ''}`)
          }
        }
      })
      out(`  ${result.complete}/${result.expected} complete${result.lastMs === undefined ? '' : `, the last after ${seconds(result.lastMs)}`}${result.stopped.failed.length > 0 ? `; exited early: ${result.stopped.failed.join('; ')}` : ''}`)
      outcomes.push({ system: system.name, result })
      if (!keep) await rm(systemDir, { recursive: true, force: true })
    }
    const printed = [formatReport(outcomes, [...commonColumns().before, ...plan.columns, ...commonColumns().after], plan.goals, plan.ratios), ...(plan.epilogue?.(outcomes) ?? [])].join('\n')
    out(`\n${printed}`)
    out(`results written to ${await writeResults(plan.name, plan.parameters, outcomes, printed)}`)
  })
}
