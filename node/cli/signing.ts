import { readKeyFile } from '../../admin/keys.ts'
import { usageError } from './args.ts'
import { controlTarget, sendToNode } from './node-client.ts'
import { PASSPHRASE_ENV, getPassphrase } from './passphrase.ts'
import type { UnlockedKey } from '../../admin/keys.ts'
import type { AdminOutcome } from '../admin-docs/admin-documents.ts'
import type { ControlTarget } from './node-client.ts'

/** The options of every command that signs an admin document and hands it to the local node. */
export const SIGNING_OPTIONS = {
  key: { type: 'string' },
  'passphrase-file': { type: 'string' },
  data: { type: 'string' },
  node: { type: 'string' },
  'token-file': { type: 'string' }
} as const

/** What parseCommand gives for SIGNING_OPTIONS. */
export interface SigningValues {
  key?: string
  'passphrase-file'?: string
  data?: string
  node?: string
  'token-file'?: string
}

/** The help lines for SIGNING_OPTIONS; `key` says which key the command wants. */
export function signingOptionsHelp (key: string): string {
  return `  --key FILE                ${key}
  --passphrase-file FILE    read the key's passphrase from the first line of FILE; otherwise from
                            $${PASSPHRASE_ENV}, otherwise asked on the terminal
  --data DIR                the local node's data folder, for its address and control token
                            (default: $PATCHMESH_DATA or ./data)
  --node URL                the node's HTTP address, when not the one recorded in --data
  --token-file FILE         the node's control token, when not in --data`
}

/** The --key path; ERR_USAGE naming the command and the key it wants when missing. */
export function requireKey (command: string, values: SigningValues, which: string): string {
  if (values.key == null) throw usageError(command, `--key KEY-FILE is required (${which})`)
  return values.key
}

/** The local node's control interface, as --node, --data and --token-file name it. */
export async function signingTarget (values: SigningValues): Promise<ControlTarget> {
  return await controlTarget({ node: values.node, data: values.data, tokenFile: values['token-file'] })
}

/** Asks for the key's passphrase (--passphrase-file, the environment or the terminal) and decrypts the key. */
export async function unlockKey (path: string, values: SigningValues, signal: AbortSignal): Promise<UnlockedKey> {
  const passphrase = await getPassphrase({ purpose: path, file: values['passphrase-file'], signal })
  return await readKeyFile(path, passphrase)
}

/** Hands a signed admin message to the node, which judges, stores and gossips it; a refusal is ERR_REFUSED with the node's reason. */
export async function postAdminMessage (target: ControlTarget, message: Uint8Array, signal: AbortSignal): Promise<AdminOutcome> {
  return (await sendToNode<{ outcome: AdminOutcome }>(target, 'POST', '/api/v1/control/admin-documents', message, signal)).outcome
}
