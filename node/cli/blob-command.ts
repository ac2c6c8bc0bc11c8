import { stat } from 'node:fs/promises'
import { parseCommand, usageError } from './args.ts'
import { controlTarget, getFromNode, sendToNode } from './node-client.ts'
import { uploadFile } from './package-upload.ts'
import { ProgressBar, formatBytes } from './progress.ts'
import { renderTable } from './table.ts'
import { NodeError } from '../errors.ts'
import type { BlobReport } from '../blobs/blob-service.ts'
import type { CliIo } from './io.ts'

/** How often `blob get` asks the node how far it got. */
/** A progress bar on a terminal moves four times a second; without one (a script, a service) once a second is plenty. */
const POLL_INTERVAL_MS = 250
const UNATTENDED_POLL_INTERVAL_MS = 1_000

const NODE_OPTIONS = `  --data DIR         the local node's data folder, for its address and control token
                     (default: $PATCHMESH_DATA or ./data)
  --node URL         the node's HTTP address, when not the one recorded in --data
  --token-file FILE  the node's control token, when not in --data`
const nodeOptions = { data: { type: 'string' }, node: { type: 'string' }, 'token-file': { type: 'string' } } as const

const addSpec = {
  name: 'patchmesh blob add',
  help: `Usage: patchmesh blob add FILE [options]

Imports a file into the local node's blob store, so peers can fetch it. Prints its blob id and
chunk-index id, which a package manifest names (and which "patchmesh blob get" needs).

Options:
${NODE_OPTIONS}
  --json             print { blobId, indexId, size, chunkCount, stored }
  -h, --help         show this help`,
  options: { ...nodeOptions, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 }
} as const

const getSpec = {
  name: 'patchmesh blob get',
  help: `Usage: patchmesh blob get BLOB-ID --index INDEX-ID [options]

Has the local node fetch a blob from its peers (same-site peers first, each chunk verified) and
waits until the whole blob is held and verified, with a progress bar on a terminal. Interrupting
the command does not stop the node's download; it resumes where it is.

Options:
  --index ID         the blob's chunk-index id (required)
${NODE_OPTIONS}
  --json             print the node's report of the blob when done
  -h, --help         show this help`,
  options: { ...nodeOptions, index: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 1 }
} as const

/** `patchmesh blob add FILE`: import a file into the local node's blob store. */
export async function blobAddCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(addSpec, argv)
  if (help) {
    io.out(addSpec.help)
    return 0
  }
  const path = positionals[0] as string
  await stat(path).catch((err: Error) => { throw new NodeError('ERR_USAGE', `${addSpec.name}: cannot read ${path}: ${err.message}`) })
  const target = await controlTarget({ node: values.node, data: values.data, tokenFile: values['token-file'] })
  const imported = await uploadFile(target, path, io.signal)
  io.out(values.json === true ? JSON.stringify(imported, null, 2) : `${imported.blobId}\n  index ${imported.indexId}, ${formatBytes(imported.size)} in ${imported.chunkCount} chunks${imported.stored ? '' : ' (already held)'}`)
  return 0
}

/** `patchmesh blob get ID --index ID`: fetch a blob through the local node, with progress. */
export async function blobGetCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals, help } = parseCommand(getSpec, argv)
  if (help) {
    io.out(getSpec.help)
    return 0
  }
  if (values.index == null) throw usageError(getSpec.name, '--index INDEX-ID is required')
  const blobId = positionals[0] as string
  const target = await controlTarget({ node: values.node, data: values.data, tokenFile: values['token-file'] })
  await sendToNode(target, 'POST', `/api/v1/control/blobs/${encodeURIComponent(blobId)}/fetch`, JSON.stringify({ indexId: values.index }), io.signal)
  const bar = new ProgressBar(io)
  let report: BlobReport
  while (true) {
    report = await getFromNode<BlobReport>(target.url, `/api/v1/blobs/${encodeURIComponent(blobId)}`, io.signal).catch(() => undefined as unknown as BlobReport)
    if (report != null) {
      const chunkBytes = report.chunkCount > 0 ? report.size / report.chunkCount : 0
      const where = report.received == null ? '' : `LAN ${formatBytes(report.received.sameSite)}, WAN ${formatBytes(report.received.otherSites)}`
      bar.update(Math.round(report.chunksHeld * chunkBytes), report.size, where, report.complete)
      if (report.complete) break
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, io.progress != null ? POLL_INTERVAL_MS : UNATTENDED_POLL_INTERVAL_MS)
      io.signal.addEventListener('abort', () => { clearTimeout(timer); reject(io.signal.reason) }, { once: true })
    })
  }
  bar.end()
  io.out(values.json === true ? JSON.stringify(report, null, 2) : renderTable(['BLOB', 'SIZE', 'FROM SAME SITE', 'FROM OTHER SITES'], [[blobId, formatBytes(report.size), formatBytes(report.received?.sameSite ?? 0), formatBytes(report.received?.otherSites ?? 0)]], { width: io.columns }))
  return 0
}
