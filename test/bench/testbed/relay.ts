// `node relay.ts SOCKET`, run inside the testbed's management namespace (topology.ts): an HTTP
// forward proxy listening on a Unix socket. The bench, in the root namespace, sends it
// `GET http://<a node's management address>:<port>/<path>`; the relay forwards that over the
// management links on kept-alive connections, so a poll costs neither a process nor a TCP handshake.
import { Agent, createServer, request } from 'node:http'

/** @default 10 s for a node to answer: past that the relay answers 504 itself. */
const UPSTREAM_TIMEOUT_MS = 10_000
/** Per hop, not passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']

const socketPath = process.argv[2]
if (socketPath === undefined) {
  process.stderr.write('usage: node relay.ts SOCKET\n')
  process.exit(2)
}
const agent = new Agent({ keepAlive: true })

const server = createServer((req, res) => {
  const fail = (status: number, message: string): void => {
    if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain' })
    res.end(`relay: ${message}\n`)
  }
  let target: URL
  try {
    target = new URL(req.url ?? '')
    if (target.protocol !== 'http:') throw new TypeError(target.protocol)
  } catch {
    fail(400, `expected an absolute http:// URL, got ${req.url ?? ''}`)
    return
  }
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.includes(name)))
  const upstream = request(target, { method: req.method, headers, agent, signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS) }, answer => {
    res.writeHead(answer.statusCode ?? 502, Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.includes(name))))
    answer.pipe(res)
  })
  upstream.on('error', err => { fail(err.name === 'AbortError' ? 504 : 502, err.message) })
  req.pipe(upstream)
})
server.listen(socketPath)
process.on('SIGTERM', () => { server.close(); agent.destroy() })
