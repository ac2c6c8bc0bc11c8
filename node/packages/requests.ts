import { PackageError } from '../../admin/package-errors.ts'
import { FormatError } from '../../protocol/errors.ts'
import { parseMaintenanceWindow } from '../../protocol/maintenance-window.ts'
import type { DraftTime, SettingsChange } from '../../admin/package-draft.ts'
import type { PatchRequest } from '../../admin/package-patch.ts'
import type { RebootBehaviour } from '../../protocol/catalog-types.ts'
import type { DocumentSignature } from '../../protocol/signatures.ts'
import type { PatchBlob } from './package-drafts.ts'

/**
 * Decoders for the JSON bodies of the package control routes: each field's type is checked here, its
 * meaning where it is used (installer rules, manifest format). The shapes are what node/cli sends.
 */

type Json = Record<string, unknown>

/** A century: longer offsets are typos. */
const MAX_OFFSET_MS = 100 * 365 * 86_400_000
/** An Ed25519 signature is 64 bytes, 88 characters of base64. */
const MAX_SIGNATURE_CHARS = 128

/** { name } */
export function decodeCreate (body: unknown): string {
  return text(object(body, 'body'), 'name')
}

/** { id, file, command?, successCodes?, rebootCodes?, reboot?, timeoutSeconds?, blob?: { blobId, indexId, size } } */
export function decodePatch (body: unknown): { request: PatchRequest, blob?: PatchBlob } {
  const json = object(body, 'body')
  const request: PatchRequest = { id: text(json, 'id'), file: text(json, 'file') }
  if (json.command !== undefined) request.command = text(json, 'command')
  if (json.successCodes !== undefined) request.successCodes = integers(json, 'successCodes')
  if (json.rebootCodes !== undefined) request.rebootCodes = integers(json, 'rebootCodes')
  if (json.reboot !== undefined) request.reboot = text(json, 'reboot') as RebootBehaviour
  if (json.timeoutSeconds !== undefined) request.timeoutSeconds = integer(json, 'timeoutSeconds')
  if (json.blob === undefined) return { request }
  const blob = object(json.blob, 'blob')
  return { request, blob: { blobId: text(blob, 'blobId'), indexId: text(blob, 'indexId'), size: integer(blob, 'size') } }
}

/** { sites?, tags?, os?, available?, deadline?, window?, rebootServers?, expires? }; null clears an optional setting. */
export function decodeSettings (body: unknown): SettingsChange {
  const json = object(body, 'body')
  const change: SettingsChange = {}
  for (const list of ['sites', 'tags', 'os'] as const) {
    if (json[list] !== undefined) change[list] = strings(json, list)
  }
  if (json.available !== undefined) change.available = json.available === null ? null : time(json, 'available')
  if (json.deadline !== undefined) change.deadline = draftTime(json.deadline, 'deadline')
  if (json.expires !== undefined) change.expires = json.expires === null ? null : draftTime(json.expires, 'expires')
  if (json.window !== undefined) change.window = json.window === null ? null : window(text(json, 'window'))
  if (json.rebootServers !== undefined) {
    if (typeof json.rebootServers !== 'boolean') throw bad('field "rebootServers" must be true or false')
    change.rebootServers = json.rebootServers
  }
  return change
}

/** { version, keyId, signature } with the signature in base64. */
export function decodeSignature (body: unknown): { version: number, signature: DocumentSignature } {
  const json = object(body, 'body')
  const signature = text(json, 'signature')
  if (signature.length > MAX_SIGNATURE_CHARS) throw bad(`field "signature" is longer than ${MAX_SIGNATURE_CHARS} characters`)
  return { version: integer(json, 'version'), signature: { keyId: text(json, 'keyId'), signature: new Uint8Array(Buffer.from(signature, 'base64')) } }
}

/** The JSON of a request body; PackageError (ERR_BAD_SETTING) when it is not JSON. */
export function parseJsonBody (bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw bad('the body is not JSON')
  }
}

function draftTime (value: unknown, field: string): DraftTime {
  const json = object(value, field)
  if (json.at !== undefined) return { at: time(json, 'at', field) }
  const afterMs = integer(json, 'afterMs', field)
  if (afterMs < 0 || afterMs > MAX_OFFSET_MS) throw bad(`field "${field}.afterMs" must be from 0 to ${MAX_OFFSET_MS} milliseconds`)
  return { afterMs }
}

function time (json: Json, field: string, parent?: string): string {
  const value = text(json, field, parent)
  if (Number.isNaN(Date.parse(value))) throw bad(`field "${name(field, parent)}" is "${value.slice(0, 40)}"; expected an ISO 8601 time such as 2026-12-01T22:00:00Z`)
  return value
}

function window (value: string): NonNullable<SettingsChange['window']> {
  try {
    return parseMaintenanceWindow(value)
  } catch (err) {
    if (err instanceof FormatError) throw bad(err.message)
    throw err
  }
}

function object (value: unknown, field: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(`${field === 'body' ? 'the body' : `field "${field}"`} must be a JSON object`)
  return value as Json
}

function text (json: Json, field: string, parent?: string): string {
  const value = json[field]
  if (typeof value !== 'string') throw bad(`field "${name(field, parent)}" must be a string`)
  return value
}

function integer (json: Json, field: string, parent?: string): number {
  const value = json[field]
  if (!Number.isSafeInteger(value)) throw bad(`field "${name(field, parent)}" must be a whole number`)
  return value as number
}

function integers (json: Json, field: string): number[] {
  const value = json[field]
  if (!Array.isArray(value) || !value.every(v => Number.isSafeInteger(v))) throw bad(`field "${field}" must be a list of whole numbers`)
  return value as number[]
}

function strings (json: Json, field: string): string[] {
  const value = json[field]
  if (!Array.isArray(value) || !value.every(v => typeof v === 'string')) throw bad(`field "${field}" must be a list of strings`)
  return value as string[]
}

function name (field: string, parent?: string): string {
  return parent == null ? field : `${parent}.${field}`
}

function bad (message: string): PackageError {
  return new PackageError('ERR_BAD_SETTING', message)
}
