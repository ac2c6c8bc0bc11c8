import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AdminError } from '../../admin/errors.ts'
import { createMesh } from '../../admin/mesh-init.ts'
import { FormatError } from '../../protocol/errors.ts'
import { tempDir } from '../helpers/temp.ts'

describe('createMesh', () => {
  it('removes the folder it created when writing the keys fails', async (t) => {
    const dir = join(await tempDir(t), 'new', 'mesh')
    await assert.rejects(createMesh({ name: 'acme', dir, passphrase: '' }), (err: AdminError) => err.code === 'ERR_NO_PASSPHRASE')
    assert.equal(await stat(join(dir, '..')).then(() => true, () => false), false)
  })

  it('leaves an existing folder as it was when writing the keys fails', async (t) => {
    const dir = await tempDir(t)
    await writeFile(join(dir, 'notes.txt'), 'keep')
    await assert.rejects(createMesh({ name: 'acme', dir, admins: 2, passphrase: '' }), AdminError)
    assert.deepEqual(await readdir(dir), ['notes.txt'])
  })

  it('checks the whole mesh before touching the disk', async (t) => {
    const dir = join(await tempDir(t), 'mesh')
    await assert.rejects(createMesh({ name: 'acme', dir, admins: 1, threshold: 2, passphrase: 'p' }), FormatError)
    await assert.rejects(createMesh({ name: 'acme', dir, bootstrap: ['/ip4/192.0.2.1/tcp/1'], passphrase: 'p' }), FormatError)
    assert.equal(await stat(dir).then(() => true, () => false), false)
  })

  it('refuses a folder where mesh.xml is a directory, before writing any key', async (t) => {
    const dir = await tempDir(t)
    await mkdir(join(dir, 'mesh.xml'))
    await assert.rejects(createMesh({ name: 'acme', dir, passphrase: 'p' }), (err: AdminError) => err.code === 'ERR_EXISTS')
    assert.deepEqual(await readdir(dir), ['mesh.xml'])
  })
})
