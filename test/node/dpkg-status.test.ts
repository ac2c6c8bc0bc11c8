import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDpkgStatus } from '../../node/inventory/dpkg-status.ts'

const entry = (name: string, status: string, version = '1.0-1', arch = 'amd64') =>
  `Package: ${name}\nStatus: ${status}\nPriority: optional\nArchitecture: ${arch}\nVersion: ${version}\nDescription: test\n multi-line description\n .\n more\n`

test('packages whose files are on disk count as installed, whatever the wanted action', () => {
  const text = [
    entry('a', 'install ok installed'),
    entry('b', 'hold ok installed'),
    entry('c', 'deinstall ok installed'),
    entry('d', 'install ok unpacked'),
    entry('e', 'install ok half-configured'),
    entry('f', 'install ok triggers-awaited'),
    entry('g', 'install ok triggers-pending')
  ].join('\n')
  assert.deepEqual(parseDpkgStatus(text).map(p => p.name), ['a', 'b', 'c', 'd', 'e', 'f', 'g'])
})

test('config-files, half-installed and not-installed packages are not installed', () => {
  const text = [
    entry('a', 'deinstall ok config-files'),
    entry('b', 'install reinstreq half-installed'),
    entry('c', 'purge ok not-installed'),
    entry('d', 'install ok installed')
  ].join('\n')
  assert.deepEqual(parseDpkgStatus(text).map(p => p.name), ['d'])
})

test('a package installed for two architectures appears once per architecture', () => {
  const text = entry('libssl3', 'install ok installed', '3.0.11-1', 'amd64') + '\n' + entry('libssl3', 'install ok installed', '3.0.9-1', 'i386')
  assert.deepEqual(parseDpkgStatus(text), [
    { name: 'libssl3', version: '3.0.11-1', arch: 'amd64' },
    { name: 'libssl3', version: '3.0.9-1', arch: 'i386' }
  ])
})

test('continuation lines that look like fields are not read as fields', () => {
  const text = 'Package: a\nStatus: install ok installed\nVersion: 2.0\nDescription: x\n Version: 9.9\n Package: evil\n'
  assert.deepEqual(parseDpkgStatus(text), [{ name: 'a', version: '2.0' }])
})

test('entries without a version are skipped', () => {
  assert.deepEqual(parseDpkgStatus('Package: a\nStatus: install ok installed\n'), [])
})

test('this machine\'s own dpkg status file parses into many packages', async (t) => {
  const { readFile } = await import('node:fs/promises')
  let text: string
  try {
    text = await readFile('/var/lib/dpkg/status', 'utf8')
  } catch {
    t.skip('no /var/lib/dpkg/status on this machine')
    return
  }
  const packages = parseDpkgStatus(text)
  assert.ok(packages.length > 10)
  assert.ok(packages.every(p => p.name !== '' && p.version !== ''))
})
