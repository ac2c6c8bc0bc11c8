#!/usr/bin/env node
// The `patchmesh` command. JavaScript, not TypeScript, so that nothing needs its types stripped
// before the compile cache is on: Node strips types with a WebAssembly compiler that, once
// loaded, stays in the process (about 16 MB of a node's resident memory). With the cache on
// first, main.ts and everything it imports come from the cache already stripped, and the
// compiler is loaded only on a start that finds the cache empty (the first after an install or
// an upgrade), which fills it.
import { enableOwnCompileCache } from './compile-cache.js'

enableOwnCompileCache()
const { main } = await import('./main.ts')
await main()
