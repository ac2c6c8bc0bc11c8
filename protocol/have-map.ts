import { FormatError } from './errors.ts'

/**
 * Which chunks of a blob a node holds: one bit per chunk, chunk 0 in the high bit of byte 0
 * (BitTorrent's order); the spare bits of the last byte are zero. Nodes advertise it while fetching.
 */
export type HaveMap = Uint8Array

/** A map with no chunk held. */
export function emptyHaveMap (chunks: number): HaveMap {
  return new Uint8Array(Math.ceil(chunks / 8))
}

/** A map with every chunk held. */
export function fullHaveMap (chunks: number): HaveMap {
  const map = emptyHaveMap(chunks).fill(0xff)
  const spare = map.byteLength * 8 - chunks
  if (spare > 0) map[map.byteLength - 1] = (0xff << spare) & 0xff
  return map
}

/** True when chunk `n` is held. */
export function hasChunk (map: HaveMap, n: number): boolean {
  return ((map[n >> 3] ?? 0) & (0x80 >> (n & 7))) !== 0
}

/** Marks chunk `n` held or not held, in place. */
export function setChunk (map: HaveMap, n: number, held: boolean): void {
  const byte = map[n >> 3]
  if (byte === undefined || n < 0) throw new FormatError('ERR_SCHEMA', `chunk ${n} is beyond a have-map of ${map.byteLength * 8} bits`, { source: 'have-map' })
  map[n >> 3] = held ? byte | (0x80 >> (n & 7)) : byte & ~(0x80 >> (n & 7))
}

/** The chunk numbers held (or, with held = false, missing) among the first `chunks`. */
export function chunksWhere (map: HaveMap, chunks: number, held: boolean): number[] {
  const found: number[] = []
  for (let n = 0; n < chunks; n++) if (hasChunk(map, n) === held) found.push(n)
  return found
}

/** How many chunks are held. */
export function countHeld (map: HaveMap): number {
  let count = 0
  for (const byte of map) for (let bits = byte; bits !== 0; bits &= bits - 1) count++
  return count
}

/** Checks a have-map from a peer for a blob of `chunks` chunks: exact length, spare bits zero. */
export function decodeHaveMap (bytes: Uint8Array, chunks: number, source = 'have-map'): HaveMap {
  if (bytes.byteLength !== Math.ceil(chunks / 8)) {
    throw new FormatError('ERR_SCHEMA', `${chunks} chunks need a have-map of ${Math.ceil(chunks / 8)} bytes; got ${bytes.byteLength}`, { source })
  }
  const spare = bytes.byteLength * 8 - chunks
  if (spare > 0 && ((bytes[bytes.byteLength - 1] ?? 0) & ((1 << spare) - 1)) !== 0) {
    throw new FormatError('ERR_SCHEMA', 'the spare bits after the last chunk are not zero', { source })
  }
  return new Uint8Array(bytes)
}
