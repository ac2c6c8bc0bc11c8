import { open } from 'node:fs/promises'
import { AdminError } from '../../admin/errors.ts'

export const PASSPHRASE_ENV = 'PATCHMESH_PASSPHRASE'
/** A passphrase file holds one line; more than this is not a passphrase file. */
const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024

/** What a passphrase is needed for and where it may come from. */
export interface PassphraseRequest {
  /** Shown in the prompt and errors, e.g. "the new keys" or "admin-1.key". */
  purpose: string
  /** --passphrase-file: its first line is the passphrase. */
  file?: string
  /** Ask twice at the prompt, for a new key. @default false */
  confirm?: boolean
  signal?: AbortSignal
}

/** The terminal, as far as the prompt needs it. */
export interface PromptStream {
  isTTY?: boolean
  setRawMode?: (raw: boolean) => unknown
  setEncoding: (encoding: BufferEncoding) => unknown
  on: (event: 'data', listener: (chunk: string) => void) => unknown
  off: (event: 'data', listener: (chunk: string) => void) => unknown
  resume: () => unknown
  pause: () => unknown
}

/** Where passphrases come from: the process, or stand-ins in tests. */
export interface PassphraseEnvironment {
  env: Record<string, string | undefined>
  stdin: PromptStream
  /** Where the prompt is written: stderr, so --json output on stdout stays clean. */
  stderr: { write: (text: string) => unknown }
}

const PROCESS: PassphraseEnvironment = { env: process.env, stdin: process.stdin, stderr: process.stderr }

/**
 * A passphrase from, in order: --passphrase-file, $PATCHMESH_PASSPHRASE, or a prompt without echo
 * when stdin is a terminal. Throws AdminError ERR_NO_PASSPHRASE when none of them gives one.
 */
export async function getPassphrase (request: PassphraseRequest, environment: PassphraseEnvironment = PROCESS): Promise<string> {
  if (request.file !== undefined) return await readPassphraseFile(request.file)
  const fromEnv = environment.env[PASSPHRASE_ENV]
  if (fromEnv !== undefined) {
    // An unset CI secret usually arrives as an empty variable: say so rather than prompt or use it.
    if (fromEnv === '') throw new AdminError('ERR_NO_PASSPHRASE', `${PASSPHRASE_ENV} is set but empty; set it to the passphrase for ${request.purpose}`)
    return fromEnv
  }
  const { stdin, stderr } = environment
  if (stdin.isTTY !== true || stdin.setRawMode === undefined) {
    throw new AdminError('ERR_NO_PASSPHRASE', `no passphrase for ${request.purpose}: there is no terminal to ask on; ` +
      `give --passphrase-file FILE (its first line is the passphrase) or set ${PASSPHRASE_ENV}`)
  }
  const passphrase = await prompt(`Passphrase for ${request.purpose}: `, stdin, stderr, request.signal)
  if (passphrase === '') throw new AdminError('ERR_NO_PASSPHRASE', `empty passphrase for ${request.purpose}; a key needs a passphrase`)
  if (request.confirm === true && await prompt('Same passphrase again: ', stdin, stderr, request.signal) !== passphrase) {
    throw new AdminError('ERR_NO_PASSPHRASE', 'the two passphrases differ; nothing was written')
  }
  return passphrase
}

async function readPassphraseFile (path: string): Promise<string> {
  let text: string
  try {
    const handle = await open(path, 'r')
    try {
      // Position null and a loop, so a pipe works too: --passphrase-file <(pass show mesh).
      const buffer = Buffer.alloc(MAX_PASSPHRASE_FILE_BYTES)
      let total = 0
      for (;;) {
        const { bytesRead } = await handle.read(buffer, total, buffer.length - total, null)
        total += bytesRead
        if (bytesRead === 0 || total === buffer.length || buffer.subarray(total - bytesRead, total).includes(0x0A)) break
      }
      text = buffer.toString('utf8', 0, total)
    } finally {
      await handle.close()
    }
  } catch (err) {
    const reason = (err as { code?: string }).code === 'ENOENT' ? 'not found' : (err as Error).message
    throw new AdminError('ERR_NO_PASSPHRASE', `--passphrase-file ${path}: cannot read: ${reason}`, { cause: err })
  }
  const end = text.search(/\r?\n/)
  const line = end === -1 ? text : text.slice(0, end)
  if (line === '') throw new AdminError('ERR_NO_PASSPHRASE', `--passphrase-file ${path}: first line is empty; expected the passphrase`)
  return line
}

/** Reads one line from a terminal in raw mode, echoing nothing. */
async function prompt (question: string, stdin: PromptStream, stderr: PassphraseEnvironment['stderr'], signal?: AbortSignal): Promise<string> {
  signal?.throwIfAborted()
  stderr.write(question)
  stdin.setRawMode?.(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return await new Promise<string>((resolve, reject) => {
    let answer = ''
    const finish = (error?: Error): void => {
      stdin.off('data', onData)
      signal?.removeEventListener('abort', onAbort)
      stdin.setRawMode?.(false)
      stdin.pause()
      stderr.write('\n')
      if (error === undefined) resolve(answer)
      else reject(error)
    }
    const onAbort = (): void => { finish(signal?.reason as Error) }
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish()
        // Raw mode turns Ctrl-C and Ctrl-D into characters instead of a signal and an end of input.
        if (char === '\u0003' || (char === '\u0004' && answer === '')) {
          return finish(new AdminError('ERR_NO_PASSPHRASE', 'no passphrase: cancelled at the prompt'))
        }
        if (char === '\u007f' || char === '\b') answer = Array.from(answer).slice(0, -1).join('')
        else if (char === '\u0015') answer = ''
        else if (char >= ' ') answer += char
      }
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    stdin.on('data', onData)
  })
}
