import { peerIdFromString } from '@libp2p/peer-id'

/** True for a libp2p peer id in its string form; documents this computer's admin hands over carry a source name instead. */
export function isPeerId (text: string): boolean {
  try {
    peerIdFromString(text)
    return true
  } catch {
    return false
  }
}
