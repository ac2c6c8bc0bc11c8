import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AdminError } from '../../admin/errors.ts'
import { PASSPHRASE_ENV, getPassphrase } from '../../node/cli/passphrase.ts'
import { tempDir } from '../helpers/temp.ts'
import type { PassphraseEnvironment } from '../../node/cli/passphrase.ts'

/** A stand-in terminal: records raw mode and what was written; each prompt gets the next answer, typed in the chunks given. */
function terminal (answers: Array<string | string[]>, env: Record<string, string | undefined> = {}) {
  const stdin = new EventEmitter() as EventEmitter & PassphraseEnvironment['stdin']
  const rawModes: boolean[] = []
  let written = ''
  stdin.isTTY = true
  stdin.setRawMode = (raw: boolean) => { rawModes.push(raw) }
  stdin.setEncoding = () => {}
  stdin.pause = () => {}
  stdin.resume = () => {
    const next = answers.shift()
    for (const chunk of typeof next === 'string' ? [next] : next ?? []) setImmediate(() => stdin.emit('data', chunk))
  }
  const environment: PassphraseEnvironment = { env, stdin, stderr: { write: (text: string) => { written += text } } }
  return { environment, rawModes, written: () => written }
}

async function rejects (run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  let caught: unknown
  try { await run() } catch (error) { caught = error }
  assert.ok(caught instanceof AdminError, `expected AdminError, got ${String(caught)}`)
  assert.equal(caught.code, 'ERR_NO_PASSPHRASE')
  assert.match(caught.message, pattern)
}

describe('getPassphrase', () => {
  it('takes the first line of --passphrase-file before the environment', async (t) => {
    const file = join(await tempDir(t), 'pass')
    await writeFile(file, 'from file\r\nsecond line\n')
    const { environment } = terminal([], { [PASSPHRASE_ENV]: 'from env' })
    assert.equal(await getPassphrase({ purpose: 'k', file }, environment), 'from file')
  })

  it('takes $PATCHMESH_PASSPHRASE before asking', async () => {
    const { environment, written } = terminal(['typed\r'], { [PASSPHRASE_ENV]: 'from env' })
    assert.equal(await getPassphrase({ purpose: 'k' }, environment), 'from env')
    assert.equal(written(), '')
  })

  it('asks on the terminal in raw mode, without echoing what is typed', async () => {
    const { environment, rawModes, written } = terminal([['s3cr', 'et x\u007f!\r']])
    assert.equal(await getPassphrase({ purpose: 'admin-1.key' }, environment), 's3cret !')
    assert.deepEqual(rawModes, [true, false])
    assert.equal(written(), 'Passphrase for admin-1.key: \n')
  })

  it('asks twice for a new key and refuses two different answers', async () => {
    const same = terminal(['abc\r', 'abc\r'])
    assert.equal(await getPassphrase({ purpose: 'k', confirm: true }, same.environment), 'abc')
    assert.match(same.written(), /Same passphrase again/)
    await rejects(() => getPassphrase({ purpose: 'k', confirm: true }, terminal(['abc\r', 'abd\r']).environment), /differ/)
  })

  it('stops when Ctrl-C is typed at the prompt', async () => {
    await rejects(() => getPassphrase({ purpose: 'k' }, terminal(['ab\u0003']).environment), /cancelled/)
  })

  it('without file, variable or terminal, says how to give a passphrase', async () => {
    const { environment } = terminal([])
    environment.stdin.isTTY = false
    await rejects(() => getPassphrase({ purpose: 'the new keys' }, environment), /no terminal.*--passphrase-file FILE.*PATCHMESH_PASSPHRASE/)
  })

  it('refuses an empty variable or an empty first line instead of using it', async (t) => {
    await rejects(() => getPassphrase({ purpose: 'k' }, terminal([], { [PASSPHRASE_ENV]: '' }).environment), /set but empty/)
    const file = join(await tempDir(t), 'pass')
    await writeFile(file, '\nsecret\n')
    await rejects(() => getPassphrase({ purpose: 'k', file }, terminal([]).environment), /first line is empty/)
  })

  it('names a passphrase file that cannot be read', async () => {
    await rejects(() => getPassphrase({ purpose: 'k', file: '/nonexistent/pass' }, terminal([]).environment), /\/nonexistent\/pass: cannot read: not found/)
  })
})
