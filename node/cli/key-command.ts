import { resolve } from 'node:path'
import { KEY_ROLES, writeKeyFile } from '../../admin/keys.ts'
import { generateSigningKey } from '../../protocol/signatures.ts'
import { parseCommand, usageError } from './args.ts'
import { PASSPHRASE_ENV, getPassphrase } from './passphrase.ts'
import type { KeyRole } from '../../admin/keys.ts'
import type { CliIo } from './io.ts'

const spec = {
  name: 'patchmesh admin key new',
  help: `Usage: patchmesh admin key new --role admin|catalog-signer --out FILE [options]

Makes a new Ed25519 key and writes it to FILE, encrypted under a passphrase (scrypt +
AES-256-GCM) and readable by its owner only. Prints the key id and the public key: give either the
key file or the public key to "patchmesh admin mesh propose --add-admin" (or --add-catalog-signer)
so that a mesh update can name the key. The private key never leaves FILE.

Options:
  --role ROLE               admin (signs packages and mesh updates) or catalog-signer (required)
  --out FILE                the key file to write; never overwritten (required)
  --passphrase-file FILE    read the passphrase from the first line of FILE; otherwise from
                            $${PASSPHRASE_ENV}, otherwise asked twice on the terminal
  --json                    print { path, role, keyId, publicKey }
  -h, --help                show this help

Exit codes: 0 written, 1 failure, 2 bad usage or bad input (nothing written).`,
  options: {
    role: { type: 'string' },
    out: { type: 'string' },
    'passphrase-file': { type: 'string' },
    json: { type: 'boolean' }
  }
} as const

/** `patchmesh admin key new`: one new encrypted key file, for a new admin or catalog signer. */
export async function keyNewCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, help } = parseCommand(spec, argv)
  if (help) {
    io.out(spec.help)
    return 0
  }
  const role = values.role
  if (role === undefined || !KEY_ROLES.includes(role as KeyRole)) throw usageError(spec.name, `--role is ${role === undefined ? 'required' : `"${role}"`}; expected one of ${KEY_ROLES.join(', ')}`)
  if (values.out === undefined) throw usageError(spec.name, '--out FILE is required')
  const path = resolve(values.out)
  const passphrase = await getPassphrase({ purpose: 'the new key', file: values['passphrase-file'], confirm: true, signal: io.signal })
  const written = await writeKeyFile(path, generateSigningKey(), role as KeyRole, passphrase)
  const publicKey = Buffer.from(written.publicKey).toString('base64')
  io.out(values.json === true
    ? JSON.stringify({ path, role: written.role, keyId: written.keyId, publicKey }, null, 2)
    : `Wrote ${written.role} key ${written.keyId} to ${path}.\nPublic key: ${publicKey}\n` +
      `Add it to the mesh with "patchmesh admin mesh propose --mesh MESH-FILE --add-${written.role} ${publicKey} --out NEW-MESH-FILE".`)
  return 0
}
