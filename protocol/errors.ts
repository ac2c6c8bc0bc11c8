/** Where in a document a problem was found: file, element path, and line when the parser knows it. */
export interface Location {
  source?: string
  element?: string
  line?: number
}

/**
 * Bad input in a patchmesh document or value. `code` is stable and is what callers branch on;
 * the message is one line naming the file, element or line, and what was expected.
 */
export class FormatError extends Error {
  override readonly name = 'FormatError'
  readonly code: FormatErrorCode
  readonly location: Location

  constructor (code: FormatErrorCode, detail: string, location: Location = {}) {
    super(formatMessage(detail, location))
    this.code = code
    this.location = location
  }
}

export type FormatErrorCode =
  /** Input larger than the limit for its kind. */
  | 'ERR_TOO_LARGE'
  /** XML that is not well-formed. */
  | 'ERR_XML_MALFORMED'
  /** DOCTYPE, ENTITY or other constructs we never accept (entity expansion, external fetches). */
  | 'ERR_XML_FORBIDDEN'
  /** Elements nested deeper than allowed. */
  | 'ERR_XML_TOO_DEEP'
  /** Well-formed, but not the expected schema: wrong root, namespace, missing or bad field. */
  | 'ERR_SCHEMA'
  /** Two things that must be unique share an id. */
  | 'ERR_DUPLICATE_ID'
  /** A reference to a product or patch that the document does not define. */
  | 'ERR_UNKNOWN_REFERENCE'
  /** A supersedes chain that loops back on itself. */
  | 'ERR_SUPERSEDES_CYCLE'
  /** A package version string that the version scheme cannot order. */
  | 'ERR_BAD_VERSION'
  /** A binary envelope whose format byte this version does not know (a newer peer, or garbage). */
  | 'ERR_UNSUPPORTED_FORMAT'
  /** A signature that does not verify over the bytes it covers. */
  | 'ERR_BAD_SIGNATURE'
  /** Validly signed, but by a key other than the one the content names (e.g. another node's id). */
  | 'ERR_WRONG_SIGNER'
  /** Bytes whose hash is not the content id they are meant to have (a chunk index, a blob). */
  | 'ERR_DIGEST_MISMATCH'
  /** An installer kind with no safe default command (exe) and no command given by the admin. */
  | 'ERR_COMMAND_REQUIRED'

function formatMessage (detail: string, location: Location): string {
  const where = [
    location.source,
    location.line != null ? `line ${location.line}` : undefined,
    location.element != null ? `<${location.element}>` : undefined
  ].filter(part => part != null).join(', ')
  return where === '' ? detail : `${where}: ${detail}`
}
