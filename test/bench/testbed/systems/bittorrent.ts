// Baseline (b), BitTorrent: opentracker (Debian's build, which only tracks whitelisted torrents) and
// an aria2c seed on the HQ seed node, aria2c on every other node. Peers keep seeding after they
// complete, as BitTorrent clients do; DHT and local peer discovery are off, so the tracker (and peer
// exchange) is how peers find each other.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { nsRun, waitForListener } from '../netns.ts'
import { describeExit } from '../processes.ts'
import { makeTorrent } from '../torrent.ts'
import type { TestbedNode } from '../topology.ts'
import type { DistributionSystem, FetchState, NodeFetch, SystemContext } from './types.ts'

export const TRACKER_PORT = 6969
export const PEER_PORT = 6881
/** @default 20 s for the seed to check its copy and announce itself to the tracker. */
export const DEFAULT_SEED_READY_TIMEOUT_MS = 20_000
const SEED_POLL_MS = 200
/** aria2c calls this when a download is complete, before seeding: it records the time, in ns, beside the file. */
const DONE_HOOK = '#!/bin/sh\ndate +%s%N > "$3.done"\n'

const aria2Options = (dir: string, torrent: string): string[] => [
  '--dir', dir, '--torrent-file', torrent,
  '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=true',
  `--listen-port=${PEER_PORT}`, '--disable-ipv6=true', '--file-allocation=none',
  // 0.0: seed until stopped, whatever the share ratio.
  '--seed-ratio=0.0', '--summary-interval=0', '--show-console-readout=false', '--console-log-level=warn'
]

/** opentracker + aria2c. */
export function bittorrent (): DistributionSystem {
  let torrentPath = ''
  let hookPath = ''
  return {
    name: 'bittorrent',
    programs: ['opentracker', 'aria2c', 'curl'],

    async prepare (ctx: SystemContext): Promise<void> {
      const seed = ctx.bed.seed
      const dir = join(ctx.dir, 'tracker')
      await mkdir(dir, { recursive: true })
      const torrent = await makeTorrent(ctx.file.path, `http://${seed.ip}:${TRACKER_PORT}/announce`)
      torrentPath = join(ctx.dir, `${ctx.file.name}.torrent`)
      await writeFile(torrentPath, torrent.bytes)
      hookPath = join(ctx.dir, 'done.sh')
      await writeFile(hookPath, DONE_HOOK, { mode: 0o755 })
      // opentracker chroots into its folder and drops to nobody: the whitelist path is inside the chroot.
      await writeFile(join(dir, 'whitelist.txt'), `${torrent.infoHash}\n`, { mode: 0o644 })
      await chmod(dir, 0o755)
      await ctx.processes.start({
        ns: seed.ns,
        command: 'opentracker',
        args: ['-i', seed.ip, '-p', String(TRACKER_PORT), '-P', String(TRACKER_PORT), '-d', dir, '-u', 'nobody', '-w', '/whitelist.txt'],
        logPath: join(ctx.dir, 'opentracker.log'),
        label: `opentracker@${seed.name}`
      })
      await waitForListener(seed.ns, TRACKER_PORT, ctx.signal)
      const seeder = await ctx.processes.start({ ns: seed.ns, command: 'aria2c', args: [...aria2Options(dirname(ctx.file.path), torrentPath), '--check-integrity=true'], logPath: join(ctx.dir, 'aria2c-seed.log'), label: `aria2c@${seed.name}` })
      // Peers started before the seed has announced would wait a whole tracker interval (30 min) to learn of it.
      const scrape = `http://${seed.ip}:${TRACKER_PORT}/scrape?info_hash=${torrent.infoHash.replace(/../g, '%$&')}`
      const deadline = Date.now() + DEFAULT_SEED_READY_TIMEOUT_MS
      while (Number(/8:completei(\d+)e/.exec(await nsRun(seed.ns, 'curl', ['-s', scrape], ctx.signal))?.[1] ?? 0) < 1) {
        if (seeder.exit !== undefined) throw new Error(`the aria2c seed ${describeExit(seeder.exit)}; see ${seeder.spec.logPath}`)
        if (Date.now() > deadline) throw new Error(`the aria2c seed did not announce itself within ${DEFAULT_SEED_READY_TIMEOUT_MS} ms; see ${seeder.spec.logPath}`)
        await delay(SEED_POLL_MS, undefined, { signal: ctx.signal })
      }
    },

    async startNode (node: TestbedNode, ctx: SystemContext): Promise<NodeFetch> {
      const dir = join(ctx.dir, node.name)
      await mkdir(dir, { recursive: true })
      const outputPath = join(dir, ctx.file.name)
      const proc = await ctx.processes.start({ ns: node.ns, command: 'aria2c', args: [...aria2Options(dir, torrentPath), `--on-bt-download-complete=${hookPath}`], logPath: join(dir, 'aria2c.log'), label: `aria2c@${node.name}` })
      return {
        node,
        outputPath,
        state: async (): Promise<FetchState> => {
          const done = await readFile(`${outputPath}.done`, 'utf8').catch(() => undefined)
          if (done !== undefined && done.trim() !== '') return { state: 'complete', at: Number(done.trim()) / 1e6 }
          return proc.exit === undefined ? { state: 'running' } : { state: 'failed', at: proc.exit.at, reason: `aria2c ${describeExit(proc.exit)}` }
        }
      }
    }
  }
}
