import { link, lstat, mkdir, mkdtemp, rm, unlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { serializeMeshFile } from '../protocol/mesh-file.ts'
import { generateSigningKey, keyIdOf } from '../protocol/signatures.ts'
import type { MeshFile } from '../protocol/mesh-file.ts'
import type { SigningKey } from '../protocol/signatures.ts'
import { AdminError } from './errors.ts'
import { writeNewFile } from './files.ts'
import { writeKeyFile } from './keys.ts'
import type { KeyRole } from './keys.ts'

export const MESH_FILE_NAME = 'mesh.xml'
export const CATALOG_SIGNER_KEY_FILE = 'catalog-signer.key'

/** The file name of the i-th admin key, counting from 1. */
export function adminKeyFileName (i: number): string {
  return `admin-${i}.key`
}

export interface CreateMeshOptions {
  name: string
  /** Folder to write into; created (mode 0700) when missing. */
  dir: string
  /** How many admin keys to make. @default 1 */
  admins?: number
  /** How many admin signatures a package needs. @default 1 */
  threshold?: number
  bootstrap?: string[]
  /** Encrypts every key written. */
  passphrase: string
  /** @default now */
  created?: Date
}

/** One key file written. */
export interface WrittenKey {
  path: string
  keyId: string
  role: KeyRole
}

/** What createMesh wrote. */
export interface CreatedMesh {
  mesh: MeshFile
  meshFile: string
  admins: WrittenKey[]
  catalogSigner: WrittenKey
}

/**
 * Creates a new mesh in `dir`: admin-1.key … admin-N.key, catalog-signer.key and mesh.xml.
 * All or nothing: refuses (ERR_EXISTS) before writing if any of those files exists, and leaves
 * nothing behind when it fails.
 */
export async function createMesh (options: CreateMeshOptions): Promise<CreatedMesh> {
  const dir = resolve(options.dir)
  const adminKeys = Array.from({ length: options.admins ?? 1 }, () => generateSigningKey())
  const signerKey = generateSigningKey()
  const mesh: MeshFile = {
    name: options.name,
    version: 1,
    created: (options.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    admins: { threshold: options.threshold ?? 1, keys: adminKeys.map(trusted) },
    catalogSigners: [trusted(signerKey)],
    bootstrap: options.bootstrap ?? []
  }
  // Validates the whole mesh (name, threshold, addresses) before anything touches the disk.
  const meshXml = serializeMeshFile(mesh)
  const planned = [
    ...adminKeys.map((key, i) => ({ name: adminKeyFileName(i + 1), key, role: 'admin' as const })),
    { name: CATALOG_SIGNER_KEY_FILE, key: signerKey, role: 'catalog-signer' as const }
  ]
  // mesh.xml is checked first and moved in last: its presence marks a complete mesh folder.
  const names = [MESH_FILE_NAME, ...planned.map(file => file.name)]

  const createdDir = await mkdir(dir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
    throw new AdminError('ERR_WRITE', `cannot create ${dir}: ${(err as Error).message}`, { cause: err })
  })
  const moved: string[] = []
  try {
    for (const name of names) await refuseExisting(join(dir, name))
    // Everything is written beside the final files first, then linked in: link never overwrites.
    const staging = await mkdtemp(join(dir, '.patchmesh-init-'))
    try {
      await allSettledOrThrow(planned.map(async file => {
        await writeKeyFile(join(staging, file.name), file.key, file.role, options.passphrase)
      }))
      await writeNewFile(join(staging, MESH_FILE_NAME), meshXml, 0o644)
      for (const name of [...names.slice(1), MESH_FILE_NAME]) {
        await linkNew(join(staging, name), join(dir, name))
        moved.push(join(dir, name))
      }
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  } catch (err) {
    for (const path of moved) await unlink(path).catch(() => {})
    if (createdDir !== undefined) await rm(createdDir, { recursive: true, force: true })
    throw err
  }

  const written = (file: typeof planned[number]): WrittenKey => ({ path: join(dir, file.name), keyId: keyIdOf(file.key.publicKey), role: file.role })
  return {
    mesh,
    meshFile: join(dir, MESH_FILE_NAME),
    admins: planned.slice(0, -1).map(written),
    catalogSigner: written(planned.at(-1) as typeof planned[number])
  }
}

function trusted (key: SigningKey): { id: string, publicKey: Uint8Array } {
  return { id: keyIdOf(key.publicKey), publicKey: key.publicKey }
}

async function refuseExisting (path: string): Promise<void> {
  const exists = await lstat(path).then(() => true, (err: { code?: string }) => {
    if (err.code === 'ENOENT') return false
    throw new AdminError('ERR_WRITE', `cannot check ${path}: ${(err as Error).message}`, { cause: err })
  })
  if (exists) throw new AdminError('ERR_EXISTS', `${path} already exists; refusing to overwrite it (nothing was written)`)
}

async function linkNew (from: string, to: string): Promise<void> {
  try {
    await link(from, to)
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new AdminError('ERR_EXISTS', `${to} appeared while the mesh was being written; refusing to overwrite it`, { cause: err })
    throw new AdminError('ERR_WRITE', `cannot write ${to}: ${(err as Error).message}`, { cause: err })
  }
}

/** Waits for every write (none is left running against a folder being removed), then throws the first failure. */
async function allSettledOrThrow (work: Array<Promise<void>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find(result => result.status === 'rejected')
  if (failed !== undefined) throw failed.reason
}
