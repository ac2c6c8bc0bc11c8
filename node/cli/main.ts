import { isBadInput } from '../errors.ts'
import { AGENT_VERSION } from '../version.ts'
import { usageError } from './args.ts'
import type { CliIo } from './io.ts'

type Command = (argv: string[], io: CliIo) => Promise<number>

/** Each command's module is imported when that command runs: `node start` loads no admin, package or scan code. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: async () => (await import('./scan-command.ts')).scanCommand,
  'node start': async () => (await import('./node-command.ts')).nodeStartCommand,
  status: async () => (await import('./status-command.ts')).statusCommand,
  'admin init': async () => (await import('./admin-command.ts')).adminInitCommand,
  'admin catalog publish': async () => (await import('./catalog-command.ts')).catalogPublishCommand,
  'admin key new': async () => (await import('./key-command.ts')).keyNewCommand,
  'admin mesh propose': async () => (await import('./mesh-command.ts')).meshProposeCommand,
  'admin mesh sign': async () => (await import('./mesh-command.ts')).meshSignCommand,
  'admin mesh show': async () => (await import('./mesh-command.ts')).meshShowCommand,
  'admin required': async () => (await import('./required-command.ts')).requiredCommand,
  'admin package create': async () => (await import('./package-command.ts')).packageCreateCommand,
  'admin package add': async () => (await import('./package-add.ts')).packageAddCommand,
  'admin package set': async () => (await import('./package-set.ts')).packageSetCommand,
  'admin package remove': async () => (await import('./package-command.ts')).packageRemoveCommand,
  'admin package show': async () => (await import('./package-command.ts')).packageShowCommand,
  'admin package sign': async () => (await import('./package-sign.ts')).packageSignCommand,
  'admin package publish': async () => (await import('./package-sign.ts')).packagePublishCommand,
  'blob add': async () => (await import('./blob-command.ts')).blobAddCommand,
  'blob get': async () => (await import('./blob-command.ts')).blobGetCommand
}

const HELP = `Usage: patchmesh <command> [options]

patchmesh: a peer-to-peer software-update mesh. Every computer runs a node that scans itself
against a signed security catalog, gossips a compact status, and serves the whole fleet's status.

Commands:
  scan          scan this computer once and print each patch's state
  node start    run a node: join the mesh, scan on schedule and on inventory change, serve reports
  status        the fleet's patch status as a node holds it
  admin init    create a mesh: admin and catalog-signer keys and the mesh file
  admin catalog publish
                sign a security catalog and publish it to the mesh through the local node
  admin required
                the patches computers of the fleet miss, and the packages that carry them
  admin package create | add | set | remove | show | sign | publish
                build a package of patch files, sign it (k of n admins) and publish it to the mesh
  admin key new
                make a new admin or catalog-signer key file
  admin mesh propose | sign | show
                change the mesh file (add, remove or rotate keys, threshold, bootstrap): the next
                version is signed by k of the current admins and then takes effect on every node
  blob add      import a file into the local node's blob store, for peers to fetch
  blob get      fetch a blob from peers through the local node, with progress

Run "patchmesh <command> --help" for a command's options.
Options: -h, --help   show this help;  --version   print the version`

/** Runs the CLI on argv; returns the exit code (0 ok, 1 failure, 2 bad usage or input). */
export async function runCli (argv: string[], io: CliIo): Promise<number> {
  try {
    const [first = '', second = ''] = argv
    if (first === '' || first === '--help' || first === '-h' || first === 'help') {
      io.out(HELP)
      return first === '' ? 2 : 0
    }
    if (first === '--version') {
      io.out(AGENT_VERSION)
      return 0
    }
    // The longest command name that the words start with: "admin catalog publish" before "admin init".
    for (let words = 3; words >= 1; words--) {
      const load = COMMANDS[argv.slice(0, words).join(' ')]
      if (load != null) return await (await load())(argv.slice(words), io)
    }
    const group = Object.keys(COMMANDS).filter(name => name.startsWith(`${first} `))
    throw usageError('patchmesh', group.length > 0
      ? `unknown command "${argv.slice(0, second === '' ? 1 : 2).join(' ')}"; expected one of: ${group.join(', ')}`
      : `unknown command "${first}"`)
  } catch (err) {
    io.err(`patchmesh: ${(err as Error).message}`)
    return isBadInput(err) ? 2 : 1
  }
}

/** A live view on a terminal: each call moves back over the text drawn last, erases it and draws the new text. */
export function redrawer (stream: { columns: number, write: (text: string) => unknown }): (text: string) => void {
  let drawnRows = 0
  return text => {
    // Cursor up over the last frame (its long lines took several rows), then erase to the end of the screen.
    const back = drawnRows > 0 ? `\x1b[${drawnRows}A\r\x1b[J` : ''
    stream.write(`${back}${text}\n`)
    const columns = Math.max(1, stream.columns)
    drawnRows = text.split('\n').reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / columns)), 0)
  }
}

/**
 * Runs this process's command line with the terminal and signals wired in; sets the exit code.
 * The `patchmesh` command (patchmesh.js) calls it once the compile cache is on.
 */
export async function main (): Promise<void> {
  const controller = new AbortController()
  let signals = 0
  const onSignal = (): void => {
    // A second Ctrl-C means the person does not want to wait for a clean stop.
    if (++signals > 1) process.exit(130)
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const code = await runCli(process.argv.slice(2), {
    out: text => process.stdout.write(text + '\n'),
    err: text => process.stderr.write(text + '\n'),
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    rows: process.stdout.isTTY ? process.stdout.rows : undefined,
    // \r and erase-line redraw the bar in place; '\n' ends it.
    progress: process.stderr.isTTY ? line => process.stderr.write(line === '\n' ? '\n' : `\r\x1b[2K${line}`) : undefined,
    redraw: process.stdout.isTTY ? redrawer(process.stdout) : undefined,
    signal: controller.signal
  })
  process.exitCode = code
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
}

// Started as `node node/cli/main.ts`, as before patchmesh.js: it works the same, only without the compile cache.
if (import.meta.main) await main()
