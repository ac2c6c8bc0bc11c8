import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../log.ts'

/** What a route handler returns: JSON data, or a ready page. */
export type RouteResult =
  | { status?: number, json: unknown }
  | { status?: number, html: string }

export interface Route {
  /** Path pattern; `:name` segments are captured into params. */
  path: string
  handle (params: Record<string, string>, query: URLSearchParams): Promise<RouteResult | undefined>
}

export interface HttpServerInit {
  host: string
  port: number
  routes: Route[]
  logger: Logger
}

/** A small read-only HTTP server: GET routes, JSON errors with stable codes. */
export class HttpServer {
  readonly #init: HttpServerInit
  readonly #server: Server
  #url?: string

  constructor (init: HttpServerInit) {
    this.#init = init
    this.#server = createServer((req, res) => { void this.#respond(req, res) })
    // Reports are small: a client that trickles its request is cut off rather than holding a socket.
    this.#server.requestTimeout = 10_000
    this.#server.headersTimeout = 5_000
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
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, { json: error('ERR_METHOD', `${req.method ?? '?'} is not supported; this interface is read-only`) })
        return
      }
      for (const route of this.#init.routes) {
        const params = match(route.path, url.pathname)
        if (params == null) continue
        const result = await route.handle(params, url.searchParams)
        if (result != null) {
          send(res, result.status ?? 200, result)
          return
        }
      }
      send(res, 404, { json: error('ERR_NOT_FOUND', `no such resource: ${url.pathname}`) })
    } catch (err) {
      this.#init.logger.error({ err, path: url.pathname }, 'http request failed')
      send(res, 500, { json: error('ERR_INTERNAL', 'internal error; see the node log') })
    }
  }
}

/** The JSON body of every error answer. */
export function error (code: string, message: string): { error: { code: string, message: string } } {
  return { error: { code, message } }
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
  const isHtml = 'html' in result
  const body = isHtml ? result.html : JSON.stringify(result.json, null, 2) + '\n'
  res.writeHead(status, {
    'content-type': isHtml ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff'
  })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}
