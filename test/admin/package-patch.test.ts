import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_PATCH_TIMEOUT_SECONDS, resolvePatchSettings } from '../../admin/package-patch.ts'

const MSI = { id: 'KB1', kind: 'msi', reboot: 'may' }
const EXE = { id: 'APP-1', kind: 'exe', reboot: 'never' }

function code (expected: string): (err: unknown) => boolean {
  return err => (err as { code?: string }).code === expected
}

test('a patch without overrides gets its installer kind\'s silent command and codes, and the catalog\'s reboot', () => {
  assert.deepEqual(resolvePatchSettings(MSI, { id: 'KB1', file: 'kb1.msi' }), {
    id: 'KB1', file: 'kb1.msi', kind: 'msi', command: 'msiexec /i {file} /qn /norestart', successCodes: [0, 3010, 1641], rebootCodes: [3010, 1641], reboot: 'may', timeoutSeconds: DEFAULT_PATCH_TIMEOUT_SECONDS
  })
})

test('the admin\'s command, codes, reboot and timeout override the defaults', () => {
  const settings = resolvePatchSettings(EXE, { id: 'APP-1', file: 'setup.exe', command: '{file} /S', successCodes: [0, 5], rebootCodes: [5], reboot: 'always', timeoutSeconds: 60 })
  assert.equal(settings.command, '{file} /S')
  assert.deepEqual(settings.successCodes, [0, 5])
  assert.deepEqual(settings.rebootCodes, [5])
  assert.equal(settings.reboot, 'always')
  assert.equal(settings.timeoutSeconds, 60)
})

test('an exe patch without a command is refused: it has no safe silent default', () => {
  assert.throws(() => resolvePatchSettings(EXE, { id: 'APP-1', file: 'setup.exe' }), code('ERR_BAD_SETTING'))
})

test('a reboot code that is not a success code is refused', () => {
  assert.throws(() => resolvePatchSettings(MSI, { id: 'KB1', file: 'kb1.msi', successCodes: [0], rebootCodes: [3010] }), code('ERR_BAD_SETTING'))
})

test('a file name that is not one harmless path component is refused', () => {
  for (const file of ['../evil.msi', 'nul.msi', '-rf.msi', 'a/b.msi']) {
    assert.throws(() => resolvePatchSettings(MSI, { id: 'KB1', file }), code('ERR_BAD_SETTING'), file)
  }
})

test('a timeout outside 1 s to a day is refused', () => {
  assert.throws(() => resolvePatchSettings(MSI, { id: 'KB1', file: 'kb1.msi', timeoutSeconds: 0 }), code('ERR_BAD_SETTING'))
  assert.throws(() => resolvePatchSettings(MSI, { id: 'KB1', file: 'kb1.msi', timeoutSeconds: 86_401 }), code('ERR_BAD_SETTING'))
})

test('an unknown reboot behaviour is refused', () => {
  assert.throws(() => resolvePatchSettings(MSI, { id: 'KB1', file: 'kb1.msi', reboot: 'sometimes' as 'may' }), code('ERR_BAD_SETTING'))
})
