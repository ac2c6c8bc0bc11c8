// A single-file .torrent (BitTorrent v1 metainfo, BEP 3) for the BitTorrent baseline: bencoding,
// SHA-1 piece hashes, and the info-hash the tracker's whitelist needs.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename } from 'node:path'

/** @default 256 KiB pieces: 200 pieces for the 50 MB file, what common clients pick for that size. */
export const DEFAULT_PIECE_BYTES = 256 * 1024

type Bencodable = number | string | Uint8Array | Bencodable[] | { [key: string]: Bencodable }

/** Bencodes a value; dictionary keys are sorted as raw byte strings, as BEP 3 requires. */
export function bencode (value: Bencodable): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`bencode: ${value} is not a safe integer`)
    return Buffer.from(`i${value}e`)
  }
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value)
    return Buffer.concat([Buffer.from(`${bytes.length}:`), bytes])
  }
  if (Array.isArray(value)) return Buffer.concat([Buffer.from('l'), ...value.map(bencode), Buffer.from('e')])
  const keys = Object.keys(value).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap(k => [bencode(k), bencode(value[k] as Bencodable)]), Buffer.from('e')])
}

export interface Torrent {
  /** The .torrent file's bytes. */
  bytes: Buffer
  /** SHA-1 of the bencoded info dictionary, 40 lower-case hex digits. */
  infoHash: string
}

/** Builds the metainfo of one file with one announce URL. */
export async function makeTorrent (path: string, announce: string, pieceBytes = DEFAULT_PIECE_BYTES): Promise<Torrent> {
  const pieces: Buffer[] = []
  let length = 0
  let piece = createHash('sha1')
  let inPiece = 0
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    length += chunk.length
    for (let offset = 0; offset < chunk.length;) {
      const take = Math.min(pieceBytes - inPiece, chunk.length - offset)
      piece.update(chunk.subarray(offset, offset + take))
      inPiece += take
      offset += take
      if (inPiece === pieceBytes) {
        pieces.push(piece.digest())
        piece = createHash('sha1')
        inPiece = 0
      }
    }
  }
  if (inPiece > 0) pieces.push(piece.digest())
  const info = bencode({ length, name: basename(path), 'piece length': pieceBytes, pieces: Buffer.concat(pieces) })
  const infoHash = createHash('sha1').update(info).digest('hex')
  const bytes = Buffer.concat([Buffer.from('d'), bencode('announce'), bencode(announce), bencode('info'), info, Buffer.from('e')])
  return { bytes, infoHash }
}
