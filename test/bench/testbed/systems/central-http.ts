// Baseline (a), the distribution-point model: nginx on the HQ seed node serves the file, and every
// other node downloads it from there with curl. A failed or stalled download resumes where it
// stopped, as BITS or `wget -c` would; curl's own --retry starts over (curl/curl#1084), so a shell
// loop re-runs `curl --continue-at -` instead.
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { waitForListener } from '../netns.ts'
import { describeExit } from '../processes.ts'
import type { TestbedNode } from '../topology.ts'
import type { DistributionSystem, FetchState, NodeFetch, SystemContext } from './types.ts'

export const HTTP_PORT = 80
/** A download that moves less than 1 byte/s for this long counts as stalled (a cut WAN link) and is resumed. */
const STALL_SECONDS = 10
const RESUME_LOOP = 'until curl --fail --silent --show-error --connect-timeout 5 ' +
  `--speed-limit 1 --speed-time ${STALL_SECONDS} --continue-at - --output "$1" "$2"; do sleep 1; done`

function nginxConfig (dir: string, www: string, address: string): string {
  return `daemon off;
worker_processes auto;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/tmp-body;
  proxy_temp_path ${dir}/tmp-proxy;
  fastcgi_temp_path ${dir}/tmp-fastcgi;
  uwsgi_temp_path ${dir}/tmp-uwsgi;
  scgi_temp_path ${dir}/tmp-scgi;
  server { listen ${address}:${HTTP_PORT}; root ${www}; }
}
`
}

/** nginx at HQ, curl on every node. */
export function centralHttp (): DistributionSystem {
  return {
    name: 'central-http',
    programs: ['nginx', 'curl'],

    async prepare (ctx: SystemContext): Promise<void> {
      const dir = join(ctx.dir, 'nginx')
      const www = join(dir, 'www')
      await mkdir(www, { recursive: true })
      await symlink(ctx.file.path, join(www, ctx.file.name))
      const config = join(dir, 'nginx.conf')
      await writeFile(config, nginxConfig(dir, www, ctx.bed.seed.ip))
      const seed = ctx.bed.seed
      await ctx.processes.start({ ns: seed.ns, command: 'nginx', args: ['-c', config, '-p', dir, '-e', join(dir, 'nginx-error.log')], logPath: join(dir, 'nginx.log'), label: `nginx@${seed.name}` })
      await waitForListener(seed.ns, HTTP_PORT, ctx.signal)
    },

    async startNode (node: TestbedNode, ctx: SystemContext): Promise<NodeFetch> {
      const dir = join(ctx.dir, node.name)
      await mkdir(dir, { recursive: true })
      const outputPath = join(dir, ctx.file.name)
      const url = `http://${ctx.bed.seed.ip}:${HTTP_PORT}/${encodeURIComponent(ctx.file.name)}`
      const proc = await ctx.processes.start({ ns: node.ns, command: 'sh', args: ['-c', RESUME_LOOP, 'fetch', outputPath, url], logPath: join(dir, 'curl.log'), label: `curl@${node.name}` })
      return {
        node,
        outputPath,
        // The loop ends only when curl succeeded; any other end is a kill.
        state: async (): Promise<FetchState> => proc.exit === undefined
          ? { state: 'running' }
          : proc.exit.code === 0 ? { state: 'complete', at: proc.exit.at } : { state: 'failed', at: proc.exit.at, reason: `curl loop ${describeExit(proc.exit)}` }
      }
    }
  }
}
