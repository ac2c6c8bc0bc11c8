import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import { writeKeyFile } from '../../admin/keys.ts'
import { PatchmeshNode } from '../../node/agent.ts'
import { runCli } from '../../node/cli/main.ts'
import { CONTROL_TOKEN_FILE, readControlToken } from '../../node/http/control-token.ts'
import { encodeAdminMessage } from '../../protocol/admin-message.ts'
import { serializeMeshFile } from '../../protocol/mesh-file.ts'
import { writeScanInputs } from './fixtures.ts'
import { testKeys, testMesh } from './admin-documents.ts'
import { tempDir } from './temp.ts'
import type { KeyRole } from '../../admin/keys.ts'
import type { SignedDocument, SigningKey } from '../../protocol/signatures.ts'
import type { TestContext } from 'node:test'

export const PACKAGE_TEST_PASSPHRASE = 'correct horse battery staple'
/** The cheapest scrypt cost key files accept: tests unlock many keys. */
const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 }

/** An in-process node of mesh "acme" (threshold 2 of 3 admins) holding smallCatalog(1), with key files for the CLI. */
export interface PackageNode {
  url: string
  data: string
  dir: string
  admins: SigningKey[]
  outsider: SigningKey
  /** admin-1.key …, outsider.key (another mesh's admin), catalog-signer.key. */
  keyFiles: { admins: string[], outsider: string, signer: string }
  /** The node's log, one parsed JSON object a line. */
  logs: Array<Record<string, unknown>>
  /** POSTs an admin message of a signed manifest to the node's control interface, as `publish` does. */
  offer: (document: SignedDocument) => Promise<{ status: number, body: any }>
  /** Runs the CLI in-process against this node (--data given), capturing output and progress lines. */
  cli: (argv: string[], options?: { progress?: boolean }) => Promise<{ code: number, stdout: string, stderr: string, progress: string[] }>
}

/** Starts the node, with dpkg inventory `packages` (default: openssl and curl below their fixes); stopped when the test ends. */
export async function startPackageNode (t: TestContext, packages: Record<string, string> = { openssl: '3.0.11-1', curl: '6.5-1' }): Promise<PackageNode> {
  const dir = await tempDir(t)
  const { admins, signer, outsider } = testKeys(3)
  const meshFile = join(dir, 'mesh.xml')
  await writeFile(meshFile, serializeMeshFile(testMesh(admins, 2, signer)))
  const keyFile = async (name: string, key: SigningKey, role: KeyRole = 'admin'): Promise<string> => {
    const path = join(dir, name)
    await writeKeyFile(path, key, role, PACKAGE_TEST_PASSPHRASE, CHEAP_SCRYPT)
    return path
  }
  const keyFiles = {
    admins: await Promise.all(admins.map(async (key, i) => await keyFile(`admin-${i + 1}.key`, key))),
    outsider: await keyFile('outsider.key', outsider),
    signer: await keyFile('catalog-signer.key', signer, 'catalog-signer')
  }
  const inputs = await writeScanInputs(dir, packages)
  const logs: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>) } })
  const data = join(dir, 'data')
  const node = new PatchmeshNode({
    dataDir: data, logger, meshFile, catalogFile: inputs.catalog, inventory: { dpkgStatus: inputs.status, osRelease: inputs.osRelease },
    http: { host: '127.0.0.1', port: 0 }, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false
  })
  await node.start()
  t.after(async () => { await node.stop() })
  const url = node.url as string
  const token = await readControlToken(join(data, CONTROL_TOKEN_FILE))
  const offer = async (document: SignedDocument): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${url}/api/v1/control/admin-documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: encodeAdminMessage({ kind: 'package-manifest', document }) as BodyInit })
    return { status: res.status, body: await res.json() }
  }
  const cli = async (argv: string[], options: { progress?: boolean } = {}) => {
    const out: string[] = []
    const err: string[] = []
    const progress: string[] = []
    process.env.PATCHMESH_PASSPHRASE = PACKAGE_TEST_PASSPHRASE
    try {
      const code = await runCli([...argv, '--data', data], {
        out: text => out.push(text),
        err: text => err.push(text),
        ...(options.progress === true ? { progress: (line: string) => { progress.push(line) } } : {}),
        signal: new AbortController().signal
      })
      return { code, stdout: out.join('\n'), stderr: err.join('\n'), progress }
    } finally {
      delete process.env.PATCHMESH_PASSPHRASE
    }
  }
  return { url, data, dir, admins, outsider, keyFiles, logs, offer, cli }
}
