import { INSTALLER_KINDS } from './catalog.ts'
import { FormatError } from './errors.ts'

/**
 * How a node runs one patch's installer: what package manifests carry per patch (DESIGN, "Package
 * manifest"). An exit code in `successCodes` means installed; if it is also in `rebootCodes`, installed
 * but waiting for a reboot; any other code is a failure. So every reboot code is also a success code.
 */
export interface InstallerSettings {
  /** Command template: see commandWords for its grammar. */
  command: string
  successCodes: number[]
  rebootCodes: number[]
}

/** What the admin sets for one patch; anything left out comes from the installer kind's defaults. */
export type InstallerOverrides = Partial<InstallerSettings>

/** What an installer's exit code means. */
export type ExitOutcome = 'success' | 'reboot-required' | 'failure'

/** The placeholder for the patch file's path: always a whole word of the template. */
export const FILE_PLACEHOLDER = '{file}'
export const MAX_COMMAND_CHARS = 4096
export const MAX_FILE_NAME_CHARS = 255
/** Windows reports exit codes as 32-bit values, signed or not depending on who asks. */
export const MIN_EXIT_CODE = -(2 ** 31)
export const MAX_EXIT_CODE = 2 ** 32 - 1
export const MAX_EXIT_CODES = 64

/** ERROR_SUCCESS_REBOOT_REQUIRED and ERROR_SUCCESS_REBOOT_INITIATED: Windows installers' "done, reboot". */
const WINDOWS_REBOOT_CODES = [3010, 1641]
/** Per kind, the silent command; exe has none: setup programs have no common switch, and guessing one could open a wizard nobody sees. */
const KIND_DEFAULTS: Readonly<Record<string, { command?: string, windows: boolean }>> = {
  deb: { command: 'dpkg -i {file}', windows: false },
  rpm: { command: 'rpm -Uvh {file}', windows: false },
  msi: { command: 'msiexec /i {file} /qn /norestart', windows: true },
  msu: { command: 'wusa {file} /quiet /norestart', windows: true },
  exe: { windows: true },
  sh: { command: 'sh {file}', windows: false }
}
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/
/** Characters Windows cannot store in a file name, besides the path separators. */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/
/** Device names Windows resolves whatever the extension: "nul.msi" is the null device. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i

/** The effective settings for a patch of `kind`: the kind's defaults with the admin's overrides. Throws FormatError. */
export function resolveInstallerSettings (kind: string, overrides: InstallerOverrides = {}): InstallerSettings {
  const source = `installer settings for kind "${kind}"`
  const defaults = KIND_DEFAULTS[kind]
  if (defaults === undefined) throw new FormatError('ERR_SCHEMA', `unknown installer kind; expected one of ${INSTALLER_KINDS.join(', ')}`, { source })
  const command = overrides.command ?? defaults.command
  if (command === undefined) {
    throw new FormatError('ERR_COMMAND_REQUIRED', `no safe default command for kind "${kind}"; give the silent-install switches, such as "${FILE_PLACEHOLDER} /S"`, { source })
  }
  const settings: InstallerSettings = {
    command,
    successCodes: [...(overrides.successCodes ?? (defaults.windows ? [0, ...WINDOWS_REBOOT_CODES] : [0]))],
    rebootCodes: [...(overrides.rebootCodes ?? (defaults.windows ? WINDOWS_REBOOT_CODES : []))]
  }
  const problem = commandTemplateProblem(settings.command) ?? exitCodesProblem(settings.successCodes, settings.rebootCodes)
  if (problem !== undefined) throw new FormatError('ERR_SCHEMA', problem, { source })
  return settings
}

/**
 * Splits a command template into words. Grammar: words separated by spaces; a word wrapped in double
 * quotes may hold spaces (no escapes, and the quotes enclose the whole word); `{file}` is the only
 * placeholder and must be a whole word; no control characters. Throws FormatError (ERR_SCHEMA).
 */
export function commandWords (template: string): string[] {
  const split = splitTemplate(template)
  if (typeof split === 'string') throw new FormatError('ERR_SCHEMA', `command "${template.slice(0, 80)}" ${split}`)
  return split
}

/** Why `template` is not a usable command template, or undefined when it is one. */
export function commandTemplateProblem (template: string): string | undefined {
  const split = splitTemplate(template)
  return typeof split === 'string' ? `command ${split}` : undefined
}

/**
 * The argv to run: the template's words with `{file}` replaced by `file` as one argument, whatever
 * spaces or shell characters it holds. Meant for spawn without a shell. Throws FormatError.
 */
export function expandCommand (template: string, file: string): string[] {
  if (file === '' || file.includes('\u0000')) throw new FormatError('ERR_SCHEMA', 'file path is empty or holds NUL; expected the path of the patch file')
  return commandWords(template).map(word => word === FILE_PLACEHOLDER ? file : word)
}

/** What an installer's exit code means under `settings`. */
export function exitOutcome (settings: Pick<InstallerSettings, 'successCodes' | 'rebootCodes'>, code: number): ExitOutcome {
  if (!settings.successCodes.includes(code)) return 'failure'
  return settings.rebootCodes.includes(code) ? 'reboot-required' : 'success'
}

/** Why these exit-code lists cannot go together, or undefined when they can. */
export function exitCodesProblem (successCodes: readonly number[], rebootCodes: readonly number[]): string | undefined {
  if (successCodes.length === 0) return 'no success codes; expected at least one exit code, usually 0'
  for (const [list, codes] of [['success', successCodes], ['reboot', rebootCodes]] as const) {
    if (codes.length > MAX_EXIT_CODES) return `more than ${MAX_EXIT_CODES} ${list} codes`
    const bad = codes.find(code => !Number.isSafeInteger(code) || code < MIN_EXIT_CODE || code > MAX_EXIT_CODE)
    if (bad !== undefined) return `${list} code ${bad} is not an exit code; expected integers from ${MIN_EXIT_CODE} to ${MAX_EXIT_CODE}`
    const twice = codes.find((code, i) => codes.indexOf(code) !== i)
    if (twice !== undefined) return `${list} code ${twice} listed twice`
  }
  const orphan = rebootCodes.find(code => !successCodes.includes(code))
  if (orphan !== undefined) return `reboot code ${orphan} is not among the success codes; a reboot code means "installed, reboot needed", so list it there too`
  return undefined
}

/**
 * Why `name` cannot be a patch's file name, or undefined when it can. The name is joined to a staging
 * directory and handed to installers on Linux and Windows, so it must be one harmless path component
 * on both: no separators, no `.` or `..`, nothing Windows refuses or maps to a device, and no leading
 * dash (an installer would read it as an option).
 */
export function fileNameProblem (name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_FILE_NAME_CHARS) return `expected 1 to ${MAX_FILE_NAME_CHARS} characters`
  if (CONTROL_CHARACTER.test(name)) return 'holds a control character'
  if (name.includes('/') || name.includes('\\')) return 'holds a path separator; expected a plain file name'
  if (name === '.' || name === '..') return 'names a directory; expected a plain file name'
  if (WINDOWS_FORBIDDEN.test(name)) return 'holds one of < > : " | ? *, which Windows refuses in file names'
  if (WINDOWS_DEVICE.test(name)) return 'is a Windows device name'
  if (name.startsWith('-')) return 'starts with "-", which an installer would read as an option'
  if (name.startsWith(' ') || name.endsWith(' ') || name.endsWith('.')) return 'starts or ends with a space, or ends with a dot, which Windows drops'
  return undefined
}

/** The template's words, or a description of what is wrong with it. */
function splitTemplate (template: string): string[] | string {
  if (template.length > MAX_COMMAND_CHARS) return `is longer than ${MAX_COMMAND_CHARS} characters`
  if (CONTROL_CHARACTER.test(template)) return 'holds a control character (tab, line end); expected words separated by spaces'
  const words: string[] = []
  let i = 0
  while (i < template.length) {
    if (template[i] === ' ') {
      i++
      continue
    }
    let word: string
    if (template[i] === '"') {
      const close = template.indexOf('"', i + 1)
      if (close === -1) return `has a quote at character ${i + 1} that is never closed`
      word = template.slice(i + 1, close)
      i = close + 1
      if (word === '') return 'has an empty quoted word ""'
      if (i < template.length && template[i] !== ' ') return `has a quote at character ${i} that ends inside a word; quotes must enclose whole words`
    } else {
      const space = template.indexOf(' ', i)
      const end = space === -1 ? template.length : space
      word = template.slice(i, end)
      i = end
      if (word.includes('"')) return `has a quote inside the word ${word}; quotes must enclose whole words`
    }
    if (word !== FILE_PLACEHOLDER && (word.includes('{') || word.includes('}'))) {
      return `has the word "${word}"; the only placeholder is ${FILE_PLACEHOLDER}, as a whole word`
    }
    words.push(word)
  }
  if (!words.includes(FILE_PLACEHOLDER)) return `has no ${FILE_PLACEHOLDER} word; expected the patch file as one of its words`
  return words
}
