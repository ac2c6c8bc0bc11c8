import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isLoopback, tokenMatches } from './control-token.ts'
import type { Logger } from '../log.ts'

/** What a route handler returns: JSON data, or a ready page. */
export type RouteResult =
  | { status?: number, json: unknown }
  | { status?: number, html: string }

/** What a handler gets of the request. */
export interface RouteRequest {
  params: Record<string, string>
  query: URLSearchParams
  /** The raw request, for handlers that stream a large body (a patch file) to disk. */
  incoming: IncomingMessage
  /** Reads the whole body, refusing more than the route's maxBodyBytes. */
  body: () => Promise<Uint8Array>
  /** Aborted when the client goes away. */
  signal: AbortSignal
}

export interface Route {
  /** @default 'GET' (HEAD is answered too) */
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path pattern; `:name` segments are captured into params. */
  path: string
  /** Changes the node: only from this computer, with the control token (see control-token.ts). */
  control?: boolean
  /** @default DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes?: number
  handle (request: RouteRequest): Promise<RouteResult | undefined>
}

export interface HttpServerInit {
  host: string
  port: number
  routes: Route[]
  logger: Logger
  /** The secret that control routes require; without one, control routes answer 403. */
  controlToken?: string
}

/** Control requests carry signed documents and settings, a few hundred kilobytes at most. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/** The node's HTTP server: public read-only reports, plus control routes for this computer's admin. */
export class HttpServer {
  readonly #init: HttpServerInit
  readonly #server: Server
  #url?: string

  constructor (init: HttpServerInit) {
    this.#init = init
    this.#server = createServer((req, res) => { void this.#respond(req, res) })
    // Reports are small: a client that trickles its request headers is cut off rather than holding a socket.
    this.#server.headersTimeout = 5_000
    // Uploads of patch files may take a while; the upload route bounds its own body instead.
    this.#server.requestTimeout = 0
  }

  /** The base URL once listening, e.g. http://127.0.0.1:8470. */
  get url (): string | undefined {
    return this.#url
  }

  async start (): Promise<string> {
    const { host, port } = this.#init
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject)
        resolve()
      })
    })
    const address = this.#server.address() as AddressInfo
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
    this.#url = `http://${shownHost}:${address.port}`
    return this.#url
  }

  async stop (): Promise<void> {
    if (!this.#server.listening) return
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  async #respond (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const closed = new AbortController()
    res.once('close', () => closed.abort())
    try {
      const method = req.method === 'HEAD' ? 'GET' : req.method ?? 'GET'
      let otherMethod = false
      for (const route of this.#init.routes) {
        const params = match(route.path, url.pathname)
        if (params == null) continue
        if ((route.method ?? 'GET') !== method) {
          otherMethod = true
          continue
        }
        if (route.control === true) {
          const refusal = this.#controlRefusal(req)
          if (refusal != null) {
            send(res, 403, { json: error('ERR_FORBIDDEN', refusal) })
            return
          }
        }
        const maxBytes = route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
        const result = await route.handle({ params, query: url.searchParams, incoming: req, body: async () => await readBody(req, maxBytes), signal: closed.signal })
        if (result != null) {
          send(res, result.status ?? 200, result)
          return
        }
      }
      if (otherMethod) send(res, 405, { json: error('ERR_METHOD', `${req.method ?? '?'} is not supported on ${url.pathname}`) })
      else send(res, 404, { json: error('ERR_NOT_FOUND', `no such resource: ${url.pathname}`) })
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, { json: error(err.code, err.message) })
        return
      }
      this.#init.logger.error({ err, path: url.pathname }, 'http request failed')
      send(res, 500, { json: error('ERR_INTERNAL', 'internal error; see the node log') })
    }
  }

  /** Why a control request is refused, or undefined when it may proceed. */
  #controlRefusal (req: IncomingMessage): string | undefined {
    if (!isLoopback(req.socket.remoteAddress)) return 'control requests are accepted from this computer only'
    const token = this.#init.controlToken
    if (token == null) return 'this node has no control token'
    if (!tokenMatches(req.headers.authorization, token)) return 'missing or wrong control token (it is in the node\'s data folder, readable by the node\'s user only)'
    return undefined
  }
}

/** An error a route throws to answer with a given status and stable code. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  readonly status: number
  readonly code: string

  constructor (status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** The JSON body of every error answer. */
export function error (code: string, message: string): { error: { code: string, message: string } } {
  return { error: { code, message } }
}

async function readBody (req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) throw new HttpError(413, 'ERR_TOO_LARGE', `request body of ${declared} bytes is larger than the limit of ${maxBytes}`)
  const parts: Buffer[] = []
  let length = 0
  for await (const part of req) {
    length += (part as Buffer).byteLength
    if (length > maxBytes) throw new HttpError(413, 'ERR_TOO_LARGE', `request body is larger than the limit of ${maxBytes} bytes`)
    parts.push(part as Buffer)
  }
  return new Uint8Array(Buffer.concat(parts, length))
}

function match (pattern: string, pathname: string): Record<string, string> | undefined {
  const want = pattern.split('/')
  const got = pathname.replace(/\/+$/, '').split('/')
  if (pattern === '/' && (pathname === '/' || pathname === '')) return {}
  if (want.length !== got.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string
    const g = got[i] as string
    if (w.startsWith(':')) {
      try {
        params[w.slice(1)] = decodeURIComponent(g)
      } catch {
        return undefined
      }
    } else if (w !== g) return undefined
  }
  return params
}

function send (res: ServerResponse, status: number, result: RouteResult): void {
  if (res.headersSent) return
  const isHtml = 'html' in result
  const body = isHtml ? result.html : JSON.stringify(result.json, null, 2) + '\n'
  res.writeHead(status, {
    'content-type': isHtml ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}
