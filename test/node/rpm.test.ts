import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RpmInventoryProvider, parseRpmQuery } from '../../node/inventory/rpm.ts'

test('rpm query lines become packages; epoch 0 is dropped and gpg-pubkey skipped', () => {
  const out = 'bash\t0:5.1.8-6.el9\tx86_64\nkernel\t0:5.14.0-362.el9\tx86_64\nperl-Time\t1:1.9-5.el9\tnoarch\ngpg-pubkey\t0:fd431d51-4ae0493b\t(none)\n'
  assert.deepEqual(parseRpmQuery(out), [
    { name: 'bash', version: '5.1.8-6.el9', arch: 'x86_64' },
    { name: 'kernel', version: '5.14.0-362.el9', arch: 'x86_64' },
    { name: 'perl-Time', version: '1:1.9-5.el9', arch: 'noarch' }
  ])
})

test('a failing rpm command is ERR_INVENTORY_SOURCE', async () => {
  const provider = new RpmInventoryProvider({ rpmCommand: '/nonexistent/rpm' })
  await assert.rejects(provider.read(), { code: 'ERR_INVENTORY_SOURCE' })
})
