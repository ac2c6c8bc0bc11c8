import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { INSTALLER_KINDS } from '../../protocol/catalog.ts'
import {
  MAX_COMMAND_CHARS, commandTemplateProblem, commandWords, exitCodesProblem, exitOutcome, expandCommand, fileNameProblem,
  resolveInstallerSettings
} from '../../protocol/installer-defaults.ts'
import { expectFormatError } from '../helpers/format-error.ts'

describe('resolveInstallerSettings', () => {
  it('gives each Linux kind its silent command with success code 0 and no reboot codes', () => {
    assert.deepEqual(resolveInstallerSettings('deb'), { command: 'dpkg -i {file}', successCodes: [0], rebootCodes: [] })
    assert.deepEqual(resolveInstallerSettings('rpm'), { command: 'rpm -Uvh {file}', successCodes: [0], rebootCodes: [] })
    assert.deepEqual(resolveInstallerSettings('sh'), { command: 'sh {file}', successCodes: [0], rebootCodes: [] })
  })

  it('gives Windows kinds 3010 and 1641 as success codes that need a reboot', () => {
    assert.deepEqual(resolveInstallerSettings('msi'), { command: 'msiexec /i {file} /qn /norestart', successCodes: [0, 3010, 1641], rebootCodes: [3010, 1641] })
    assert.deepEqual(resolveInstallerSettings('msu'), { command: 'wusa {file} /quiet /norestart', successCodes: [0, 3010, 1641], rebootCodes: [3010, 1641] })
  })

  it('refuses exe without a command: it has no safe default', () => {
    const error = expectFormatError(() => resolveInstallerSettings('exe'), 'ERR_COMMAND_REQUIRED')
    assert.match(error.message, /kind "exe"/)
  })

  it('takes the admin\'s command for exe and keeps the Windows exit codes', () => {
    assert.deepEqual(resolveInstallerSettings('exe', { command: '{file} /S' }), { command: '{file} /S', successCodes: [0, 3010, 1641], rebootCodes: [3010, 1641] })
  })

  it('lets every override replace its default', () => {
    assert.deepEqual(resolveInstallerSettings('msi', { command: 'msiexec /i {file} /quiet', successCodes: [0, 1], rebootCodes: [] }),
      { command: 'msiexec /i {file} /quiet', successCodes: [0, 1], rebootCodes: [] })
  })

  it('has defaults (or a deliberate absence) for every installer kind of the catalog', () => {
    for (const kind of INSTALLER_KINDS) resolveInstallerSettings(kind, { command: '{file}' })
  })

  it('refuses an unknown kind', () => {
    expectFormatError(() => resolveInstallerSettings('zip'), 'ERR_SCHEMA')
  })

  it('refuses overrides that make a reboot code no success code', () => {
    const error = expectFormatError(() => resolveInstallerSettings('msi', { successCodes: [0] }), 'ERR_SCHEMA')
    assert.match(error.message, /reboot code 3010/)
  })

  it('refuses an override command without {file}', () => {
    expectFormatError(() => resolveInstallerSettings('deb', { command: 'dpkg -i' }), 'ERR_SCHEMA')
  })

  it('returns lists the caller may change without touching the defaults', () => {
    resolveInstallerSettings('msi').rebootCodes.push(1)
    assert.deepEqual(resolveInstallerSettings('msi').rebootCodes, [3010, 1641])
  })
})

describe('command templates', () => {
  it('splits words on spaces and keeps a quoted word whole', () => {
    assert.deepEqual(commandWords('  setup  {file}   "/D=C:\\Program Files\\App" /S '), ['setup', '{file}', '/D=C:\\Program Files\\App', '/S'])
  })

  it('expands {file} as one argument however hostile the path', () => {
    const path = '/var/lib/patchmesh/staging/x; rm -rf / $(reboot) "q".deb'
    assert.deepEqual(expandCommand('dpkg -i {file}', path), ['dpkg', '-i', path])
    assert.deepEqual(expandCommand('{file} /S', 'C:\\stage\\setup 1.exe'), ['C:\\stage\\setup 1.exe', '/S'])
  })

  it('refuses {file} inside a larger word', () => {
    assert.match(commandTemplateProblem('msiexec /i {file} /log={file}.log') ?? '', /only placeholder/)
  })

  it('refuses a quote inside a word or ending inside one', () => {
    assert.match(commandTemplateProblem('setup {file} /D="C:\\x"') ?? '', /quote inside the word/)
    assert.match(commandTemplateProblem('setup {file} "a"b') ?? '', /ends inside a word/)
    assert.match(commandTemplateProblem('setup {file} ""') ?? '', /empty quoted word/)
  })

  it('refuses control characters: a line end would start a second command in a shell', () => {
    assert.match(commandTemplateProblem('dpkg -i {file}\nreboot') ?? '', /control character/)
  })

  it('refuses an overlong template', () => {
    assert.match(commandTemplateProblem(`{file} ${'x'.repeat(MAX_COMMAND_CHARS)}`) ?? '', /longer than/)
  })

  it('refuses an empty file path', () => {
    expectFormatError(() => expandCommand('sh {file}', ''), 'ERR_SCHEMA')
  })

  it('throws a FormatError for a bad template given to commandWords', () => {
    expectFormatError(() => commandWords('sh'), 'ERR_SCHEMA')
  })
})

describe('exit codes', () => {
  it('maps an exit code to success, reboot-required or failure', () => {
    const msi = resolveInstallerSettings('msi')
    assert.equal(exitOutcome(msi, 0), 'success')
    assert.equal(exitOutcome(msi, 3010), 'reboot-required')
    assert.equal(exitOutcome(msi, 1603), 'failure')
  })

  it('accepts 32-bit Windows exit codes signed or unsigned, and nothing beyond', () => {
    assert.equal(exitCodesProblem([0, -2147024891, 3221225477], []), undefined)
    assert.match(exitCodesProblem([0, 2 ** 32], []) ?? '', /not an exit code/)
    assert.match(exitCodesProblem([0, 1.5], []) ?? '', /not an exit code/)
  })

  it('refuses an empty success list and a code listed twice', () => {
    assert.match(exitCodesProblem([], []) ?? '', /no success codes/)
    assert.match(exitCodesProblem([0, 3010], [3010, 3010]) ?? '', /listed twice/)
  })
})

describe('fileNameProblem', () => {
  it('accepts ordinary package file names', () => {
    for (const name of ['openssl_3.0.13-1_amd64.deb', 'kernel-5.14.0-362.el9.x86_64.rpm', 'windows10.0-kb5034441-x64.msu', 'Setup v2 (x64).exe', '.hidden.sh']) {
      assert.equal(fileNameProblem(name), undefined, name)
    }
  })

  it('refuses names that are not one harmless path component on Linux and Windows', () => {
    for (const name of ['', '.', '..', '../x', 'a/b', 'a\\b', '-x.deb', 'a\u0000b', 'a\nb', 'con', 'LPT1.txt', 'a?.msi', 'x.exe ', ' x.exe', 'x.', 'a'.repeat(256)]) {
      assert.notEqual(fileNameProblem(name), undefined, JSON.stringify(name))
    }
  })
})
