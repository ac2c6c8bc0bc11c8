import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { PackageError } from '../../admin/package-errors.ts'
import { REBOOT_BEHAVIOURS } from '../../protocol/catalog.ts'
import { fileNameProblem } from '../../protocol/installer-defaults.ts'
import { downloadUrl } from '../packages/download-url.ts'
import { parseCommand, usageError } from './args.ts'
import { sendToNode } from './node-client.ts'
import { CONTROL_OPTIONS, controlOptionsHelp, changePackage, helpOf, packagePath, printView } from './package-options.ts'
import { signingTarget } from './signing.ts'
import { sha256OfFile, uploadFile } from './package-upload.ts'
import { ProgressBar, formatBytes } from './progress.ts'
import { parseDuration } from './values.ts'
import type { PatchRequest, PatchSettings } from '../../admin/package-patch.ts'
import type { RebootBehaviour } from '../../protocol/catalog-types.ts'
import type { CliIo } from './io.ts'
import type { ControlTarget } from './node-client.ts'
import type { ImportedBlob } from './package-upload.ts'

const SHA256_HEX = /^[0-9a-fA-F]{64}$/

const spec = {
  name: 'patchmesh admin package add',
  help: `Usage: patchmesh admin package add NAME PATCH-ID (--file PATH | --url URL) [options]

Adds a patch of the node's catalog to a package, with its installer file. The file goes into the
local node's blob store, from where the mesh's nodes fetch it chunk by chunk. A URL is downloaded
here first, with a progress bar on a terminal, resuming where it stopped when the link drops.
Adding a patch the package already carries replaces it (a new file, other switches).

The installer kind comes from the catalog. Unless given, the silent-install command and exit codes
are the kind's defaults:
  deb  dpkg -i {file}                       rpm  rpm -Uvh {file}
  msi  msiexec /i {file} /qn /norestart     msu  wusa {file} /quiet /norestart
  sh   sh {file}                            exe  none: --command is required
  (msi, msu, exe: success codes 0 3010 1641, of which 3010 and 1641 mean "reboot needed")

Options:
  --file PATH               the installer file
  --url URL                 download the installer from an http(s) URL
  --sha256 HEX              the file's expected sha256; a different file is refused
  --file-name NAME          the name nodes give the file (default: the file's or URL's last part)
  --command TEMPLATE        the install command; {file} is the file, e.g. "{file} /S /norestart"
  --success-codes LIST      exit codes that mean installed, e.g. 0,3010
  --reboot-codes LIST       exit codes that mean installed but a reboot is needed (also success codes)
  --reboot never|may|always how the installer reboots (default: as the catalog says)
  --timeout DURATION        stop an installer that runs longer (default 1h)
${controlOptionsHelp()}`,
  options: {
    ...CONTROL_OPTIONS,
    file: { type: 'string' },
    url: { type: 'string' },
    sha256: { type: 'string' },
    'file-name': { type: 'string' },
    command: { type: 'string' },
    'success-codes': { type: 'string' },
    'reboot-codes': { type: 'string' },
    reboot: { type: 'string' },
    timeout: { type: 'string' }
  },
  positionals: { min: 2, max: 2 }
} as const

type Values = ReturnType<typeof parseCommand<typeof spec.options>>['values']

/** `patchmesh admin package add NAME PATCH-ID (--file PATH | --url URL)`. */
export async function packageAddCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(spec, argv)
  if (help) return helpOf(io, spec.help)
  const [name, id] = positionals as [string, string]
  const request = patchRequest(id, values)
  const target = await signingTarget(values)
  // Checked before a large file moves: an unknown patch or a missing command costs nothing.
  const { patch } = await sendToNode<{ patch: PatchSettings }>(target, 'POST', packagePath(name, 'patches', 'check'), JSON.stringify(request), io.signal)
  const blob = values.url != null ? await downloadAndUpload(target, values.url, values.sha256, io) : await uploadLocal(target, values.file as string, values.sha256, io)
  const view = await changePackage(target, 'POST', packagePath(name, 'patches'), { ...request, blob }, io.signal)
  printView(io, view, values.json, `Added ${patch.id} (${patch.kind}, ${formatBytes(blob.size)}, blob ${blob.blobId}) to ${name}: ${patch.command}`)
  return 0
}

function patchRequest (id: string, values: Values): PatchRequest {
  const command = spec.name
  if ((values.file == null) === (values.url == null)) throw usageError(command, 'give exactly one of --file PATH and --url URL')
  if (values.sha256 != null && !SHA256_HEX.test(values.sha256)) throw usageError(command, `--sha256 "${values.sha256}" is not a sha256; expected 64 hex digits`)
  const file = values['file-name'] ?? (values.file != null ? basename(values.file) : urlFileName(values.url as string))
  const problem = fileNameProblem(file)
  if (problem !== undefined) throw usageError(command, `the file name "${file.slice(0, 80)}" ${problem}; give --file-name NAME`)
  const request: PatchRequest = { id, file }
  if (values.command != null) request.command = values.command
  if (values['success-codes'] != null) request.successCodes = codes('success-codes', values['success-codes'])
  if (values['reboot-codes'] != null) request.rebootCodes = codes('reboot-codes', values['reboot-codes'])
  if (values.reboot != null) {
    if (!(REBOOT_BEHAVIOURS as readonly string[]).includes(values.reboot)) throw usageError(command, `--reboot "${values.reboot}"; expected one of ${REBOOT_BEHAVIOURS.join(', ')}`)
    request.reboot = values.reboot as RebootBehaviour
  }
  if (values.timeout != null) request.timeoutSeconds = Math.ceil(parseDuration(command, 'timeout', values.timeout) / 1000)
  return request
}

async function uploadLocal (target: ControlTarget, path: string, sha256: string | undefined, io: CliIo): Promise<ImportedBlob> {
  if (sha256 != null) {
    const actual = await sha256OfFile(path, io.signal)
    if (actual !== sha256.toLowerCase()) throw new PackageError('ERR_HASH_MISMATCH', `${path}: its sha256 is ${actual}; expected ${sha256.toLowerCase()}`)
    return await uploadFile(target, path, io.signal, actual)
  }
  return await uploadFile(target, path, io.signal)
}

/** Downloads into a private temporary folder, uploads to the node, and removes the download whatever happens. */
async function downloadAndUpload (target: ControlTarget, url: string, sha256: string | undefined, io: CliIo): Promise<ImportedBlob> {
  const dir = await mkdtemp(join(tmpdir(), 'patchmesh-download-'))
  try {
    const path = join(dir, 'file')
    const bar = new ProgressBar(io)
    const done = await downloadUrl(url, path, {
      signal: io.signal,
      sha256,
      onProgress: ({ bytes, total, attempt }) => { bar.update(bytes, total ?? bytes, attempt > 1 ? `retry ${attempt - 1}` : '') }
    })
    bar.update(done.size, done.size, '', true)
    bar.end()
    if (done.attempts > 1) io.err(`${url}: the link dropped; downloaded in ${done.attempts} attempts`)
    return await uploadFile(target, path, io.signal, done.sha256)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The last part of a URL's path, decoded: what the file is called where it came from. */
function urlFileName (url: string): string {
  if (!URL.canParse(url)) throw usageError(spec.name, `--url "${url.slice(0, 200)}" is not a URL; expected http(s)://…`)
  const last = new URL(url).pathname.split('/').at(-1) ?? ''
  try {
    return decodeURIComponent(last)
  } catch {
    return last
  }
}

function codes (option: string, text: string): number[] {
  const words = text.split(/[\s,]+/).filter(word => word !== '')
  if (words.length === 0 || !words.every(word => /^-?\d{1,10}$/.test(word))) throw usageError(spec.name, `--${option} "${text}" is not a list of exit codes; expected e.g. 0,3010`)
  return words.map(Number)
}
