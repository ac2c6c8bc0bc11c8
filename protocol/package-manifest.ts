import { INSTALLER_KINDS, REBOOT_BEHAVIOURS } from './catalog.ts'
import { blobIdAttribute, meshNameAttribute, patternAttribute } from './admin-attributes.ts'
import { commandTemplateProblem, exitCodesProblem, fileNameProblem, MAX_EXIT_CODES } from './installer-defaults.ts'
import { formatMaintenanceWindow, parseMaintenanceWindow } from './maintenance-window.ts'
import {
  allowAttributes, attributeValue, choiceAttribute, childElements, dateAttribute, duplicateError, expectEmpty, expectRoot,
  integerAttribute, optionalAttribute, optionalDateAttribute, readXml, requiredAttribute, schemaError
} from './xml.ts'
import type { XmlElement } from './xml.ts'
import type { Deployment, ManifestPatch, PackageManifest, PackageTarget } from './package-manifest-types.ts'

export const PACKAGE_NAMESPACE = 'urn:patchmesh:package:1'
/** 160 KiB: base64 in a signed envelope with 32 signatures still fits the 256 KiB admin gossip message. */
export const MAX_PACKAGE_MANIFEST_BYTES = 160 * 1024
/** A day: an installer still running after that is hung, not slow. */
export const MAX_PATCH_TIMEOUT_SECONDS = 86_400
/** Package > Patch is the deepest the format goes. */
const PACKAGE_MAX_DEPTH = 2
const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
const PACKAGE_NAME_EXPECTED = '1 to 128 letters, digits, dots, dashes or underscores, starting with a letter or digit'
/** One word of a Target list: a site, a tag or an os-release ID. */
const TARGET_WORD = /^[^\s\u0000-\u001f\u007f]{1,64}$/u
const EXIT_CODE_WORD = /^-?[0-9]{1,10}$/

const PACKAGE_ATTRIBUTES = ['xmlns', 'mesh', 'name', 'version', 'created', 'expires']
const PACKAGE_CHILDREN = ['Target', 'Deployment', 'Patch', 'Retracted']
const TARGET_ATTRIBUTES = ['sites', 'tags', 'os']
const DEPLOYMENT_ATTRIBUTES = ['available', 'deadline', 'window', 'rebootServers']
const PATCH_ATTRIBUTES = ['id', 'blob', 'index', 'size', 'file', 'kind', 'command', 'successCodes', 'rebootCodes', 'reboot', 'timeout']
const RETRACTED_ATTRIBUTES = ['id']
const BOOLEANS = ['true', 'false'] as const

export interface ParsePackageManifestOptions {
  /** File name or where the bytes came from, for error messages. */
  source?: string
  /** @default MAX_PACKAGE_MANIFEST_BYTES */
  maxBytes?: number
}

/** Parses and validates a package manifest; throws FormatError naming the element, line and what was expected. */
export function parsePackageManifest (input: Uint8Array | string, options: ParsePackageManifestOptions = {}): PackageManifest {
  const root = readXml(input, { maxBytes: options.maxBytes ?? MAX_PACKAGE_MANIFEST_BYTES, maxDepth: PACKAGE_MAX_DEPTH, source: options.source })
  expectRoot(root, 'Package', PACKAGE_NAMESPACE)
  allowAttributes(root, PACKAGE_ATTRIBUTES)
  const mesh = meshNameAttribute(root)
  const name = patternAttribute(root, 'name', PACKAGE_NAME, PACKAGE_NAME_EXPECTED)
  const version = integerAttribute(root, 'version', 1)
  const created = dateAttribute(root, 'created')
  const expires = optionalDateAttribute(root, 'expires')
  if (expires !== undefined) expectAfter(root, 'expires', expires, 'created', created)

  let target: XmlElement | undefined
  let deployment: XmlElement | undefined
  const patches: ManifestPatch[] = []
  const retracted: string[] = []
  // Where each patch id and file name was first seen, for duplicate errors.
  const ids = new Map<string, XmlElement>()
  const files = new Map<string, XmlElement>()
  for (const child of childElements(root, PACKAGE_CHILDREN)) {
    expectEmpty(child)
    if (child.name === 'Target' || child.name === 'Deployment') {
      const first = child.name === 'Target' ? target : deployment
      if (first !== undefined) throw schemaError(child, `second <${child.name}>; the first is on line ${first.line}`)
      if (child.name === 'Target') target = child
      else deployment = child
      continue
    }
    const patch = child.name === 'Patch' ? readPatch(child) : undefined
    const id = patch?.id ?? readRetracted(child)
    const sameId = ids.get(id)
    if (sameId !== undefined) throw duplicateError(child, 'patch', id, sameId)
    ids.set(id, child)
    if (patch === undefined) {
      retracted.push(id)
      continue
    }
    // Files are staged side by side under their names, so two patches must not share one.
    const sameFile = files.get(patch.file)
    if (sameFile !== undefined) throw schemaError(child, `file name "${patch.file}" is also used on line ${sameFile.line}`, 'ERR_DUPLICATE_ID')
    files.set(patch.file, child)
    patches.push(patch)
  }
  if (deployment === undefined) throw schemaError(root, 'no <Deployment> child; expected <Deployment available deadline [window] rebootServers/>')
  if (patches.length === 0 && retracted.length === 0) throw schemaError(root, 'no <Patch> or <Retracted> children; expected at least one')

  const manifest: PackageManifest = { mesh, name, version, created, deployment: readDeployment(deployment), patches, retracted }
  if (expires !== undefined) manifest.expires = expires
  if (target !== undefined) manifest.target = readTarget(target)
  return manifest
}

/** True from the moment a manifest's `expires` comes: nodes neither accept nor install it any more. */
export function isManifestExpired (manifest: Pick<PackageManifest, 'expires'>, nowMs: number): boolean {
  return manifest.expires !== undefined && Date.parse(manifest.expires) <= nowMs
}

function readTarget (element: XmlElement): PackageTarget {
  allowAttributes(element, TARGET_ATTRIBUTES)
  const target: PackageTarget = {}
  for (const name of TARGET_ATTRIBUTES) {
    const words = listAttribute(element, name, word => TARGET_WORD.test(word))
    if (words !== undefined) target[name as keyof PackageTarget] = words
  }
  if (Object.keys(target).length === 0) throw schemaError(element, 'no attributes; expected sites, tags or os (leave <Target> out to target every computer)')
  return target
}

function readDeployment (element: XmlElement): Deployment {
  allowAttributes(element, DEPLOYMENT_ATTRIBUTES)
  const available = dateAttribute(element, 'available')
  const deadline = dateAttribute(element, 'deadline')
  if (Date.parse(deadline) < Date.parse(available)) {
    throw schemaError(element, `attribute "deadline" is "${deadline}"; expected a time at or after available (${available})`)
  }
  const windowText = optionalAttribute(element, 'window')
  const deployment: Deployment = { available, deadline, rebootServers: choiceAttribute(element, 'rebootServers', BOOLEANS) === 'true' }
  if (windowText !== undefined) {
    deployment.window = parseMaintenanceWindow(windowText, { source: element.document.source, element: element.name, line: element.line })
  }
  return deployment
}

function readPatch (element: XmlElement): ManifestPatch {
  allowAttributes(element, PATCH_ATTRIBUTES)
  const id = requiredAttribute(element, 'id', 'the catalog patch id')
  const blob = blobIdAttribute(element, 'blob')
  const index = blobIdAttribute(element, 'index')
  const size = integerAttribute(element, 'size', 1)
  const file = requiredAttribute(element, 'file', 'a plain file name')
  const fileProblem = fileNameProblem(file)
  if (fileProblem !== undefined) throw schemaError(element, `attribute "file" is "${file.slice(0, 80)}": ${fileProblem}`)
  const kind = choiceAttribute(element, 'kind', INSTALLER_KINDS)
  const command = requiredAttribute(element, 'command', 'a command template holding {file}')
  const successCodes = exitCodes(element, 'successCodes', true) ?? []
  const rebootCodes = exitCodes(element, 'rebootCodes', false) ?? []
  const problem = commandTemplateProblem(command) ?? exitCodesProblem(successCodes, rebootCodes)
  if (problem !== undefined) throw schemaError(element, problem)
  const reboot = choiceAttribute(element, 'reboot', REBOOT_BEHAVIOURS)
  const timeoutSeconds = integerAttribute(element, 'timeout', 1, MAX_PATCH_TIMEOUT_SECONDS)
  return { id, blob, index, size, file, kind, command, successCodes, rebootCodes, reboot, timeoutSeconds }
}

function readRetracted (element: XmlElement): string {
  allowAttributes(element, RETRACTED_ATTRIBUTES)
  return requiredAttribute(element, 'id', 'the catalog id of the retracted patch')
}

function expectAfter (element: XmlElement, name: string, value: string, earlierName: string, earlier: string): void {
  if (Date.parse(value) <= Date.parse(earlier)) throw schemaError(element, `attribute "${name}" is "${value}"; expected a time after ${earlierName} (${earlier})`)
}

/** A space-separated list attribute, each word checked by `valid` and listed once; undefined when absent. */
function listAttribute (element: XmlElement, name: string, valid: (word: string) => boolean, expected = 'space-separated names', required = false): string[] | undefined {
  const value = required ? requiredAttribute(element, name, expected) : optionalAttribute(element, name, expected)
  if (value === undefined) return undefined
  const words = value.split(' ').filter(word => word !== '')
  const bad = words.find(word => !valid(word))
  if (bad !== undefined) throw schemaError(element, `attribute "${name}" holds "${bad.slice(0, 80)}"; expected ${expected}`)
  const twice = words.find((word, i) => words.indexOf(word) !== i)
  if (twice !== undefined) throw schemaError(element, `attribute "${name}" lists "${twice}" twice`, 'ERR_DUPLICATE_ID')
  return words
}

function exitCodes (element: XmlElement, name: string, required: boolean): number[] | undefined {
  const expected = `up to ${MAX_EXIT_CODES} space-separated exit codes, such as "0 3010"`
  return listAttribute(element, name, word => EXIT_CODE_WORD.test(word), expected, required)?.map(Number)
}

/** Writes a manifest (attributes in a fixed order, so equal manifests give equal bytes); throws FormatError for one no reader would accept. */
export function serializePackageManifest (manifest: PackageManifest): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Package xmlns="${PACKAGE_NAMESPACE}"${attributes('Package', { mesh: manifest.mesh, name: manifest.name, version: manifest.version, created: manifest.created, expires: manifest.expires })}>`
  ]
  const { target, deployment } = manifest
  if (target !== undefined) lines.push(`  <Target${attributes('Target', { sites: target.sites?.join(' '), tags: target.tags?.join(' '), os: target.os?.join(' ') })}/>`)
  const window = deployment.window === undefined ? undefined : formatMaintenanceWindow(deployment.window)
  lines.push(`  <Deployment${attributes('Deployment', { available: deployment.available, deadline: deployment.deadline, window, rebootServers: String(deployment.rebootServers) })}/>`)
  for (const patch of manifest.patches) {
    lines.push(`  <Patch${attributes('Patch', {
      id: patch.id,
      blob: patch.blob,
      index: patch.index,
      size: patch.size,
      file: patch.file,
      kind: patch.kind,
      command: patch.command,
      successCodes: patch.successCodes.join(' '),
      rebootCodes: patch.rebootCodes.length === 0 ? undefined : patch.rebootCodes.join(' '),
      reboot: patch.reboot,
      timeout: patch.timeoutSeconds
    })}/>`)
  }
  for (const id of manifest.retracted) lines.push(`  <Retracted id="${attributeValue('Retracted', 'id', id)}"/>`)
  lines.push('</Package>', '')
  const text = lines.join('\n')
  // Reading back what we wrote applies every rule of the reader, so a written manifest is always readable.
  parsePackageManifest(text, { source: 'package manifest being written' })
  return text
}

/** ` name="value"` for each defined value, in the order given. */
function attributes (element: string, values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${attributeValue(element, name, String(value))}"`)
    .join('')
}
