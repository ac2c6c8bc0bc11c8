// JavaScript, not TypeScript: the `patchmesh` command imports this before any .ts file (see patchmesh.js).
import { lstatSync, mkdirSync } from 'node:fs'
import { enableCompileCache } from 'node:module'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Turns on Node's on-disk compile cache (V8 code cache, and the type-stripped form of our .ts
 * sources) for the modules this process imports from now on. A node then neither strips types nor
 * parses its dependencies afresh at every start. The cache lives in a folder only this user can
 * write (a shared one would let another user plant code); NODE_DISABLE_COMPILE_CACHE=1 turns it
 * off.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string | undefined} the folder, or undefined when the cache stays off
 */
export function enableOwnCompileCache (env = process.env) {
  try {
    const base = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
    const dir = join(base, 'patchmesh', 'compile-cache')
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const stat = lstatSync(dir)
    const uid = process.getuid?.()
    // Not ours, or writable by others: the cached code could have been written by someone else.
    if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) return undefined
    const result = enableCompileCache(dir)
    return result.directory ?? undefined
  } catch {
    // No home folder, a read-only one: start without the cache, as Node does by default.
    return undefined
  }
}
