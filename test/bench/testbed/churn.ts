// S3's events, driven from the harness's poll loop: once one node besides the seed holds a full
// copy, kill a share of the nodes (the seed first) as a crash would, cut one branch's WAN link,
// restore it after a while, and give up if the survivors have not completed some time after that.
import { cutLink, restoreLink } from './shaping.ts'
import type { LiveRun } from './distribution.ts'
import type { TestbedNode } from './topology.ts'

export interface ChurnPlan {
  /** Nodes to kill, the seed included. */
  kill: number
  /** The branch whose WAN link is cut. */
  cutSite: string
  cutMs: number
  /** How long the survivors get after the link is back. */
  recoverMs: number
}

/** Timeline entries the report looks for. */
export const FIRST_COPY = 'first full copy besides the seed'
export const KILLED = 'killed'
export const CUT = 'WAN link cut'
export const RESTORED = 'WAN link restored'

/** `count` nodes that are still fetching, spread over the sites: taken evenly from a list that alternates between them. */
export function pickVictims (live: LiveRun, count: number): TestbedNode[] {
  const fetching = live.bed.nodes.filter(n => n.role !== 'seed' && live.states.get(n.name)?.state === 'running')
  const bySite = live.bed.sites.map(s => fetching.filter(n => n.site === s))
  const interleaved: TestbedNode[] = []
  for (let i = 0; interleaved.length < fetching.length; i++) for (const nodes of bySite) if (nodes[i] !== undefined) interleaved.push(nodes[i] as TestbedNode)
  const take = Math.min(count, interleaved.length)
  return Array.from({ length: take }, (_, i) => interleaved[Math.floor(i * interleaved.length / take)] as TestbedNode)
}

/** A fresh event driver for one run. */
export function churn (plan: ChurnPlan): (live: LiveRun) => Promise<void> {
  let phase: 'waiting for a copy' | 'cut' | 'restored' = 'waiting for a copy'
  let since = 0
  return async live => {
    const site = live.bed.sites.find(s => s.name === plan.cutSite)
    if (site === undefined) throw new RangeError(`no site ${plan.cutSite} to cut`)
    if (phase === 'waiting for a copy') {
      const first = [...live.states].find(([, s]) => s.state === 'complete')
      if (first === undefined) return
      live.mark(`${FIRST_COPY}: ${first[0]}`)
      const victims = [live.bed.seed, ...pickVictims(live, plan.kill - 1)]
      for (const node of victims) await live.kill(node)
      live.mark(`${KILLED}: ${victims.map(n => n.name).join(', ')}`)
      await cutLink(site.wan)
      live.mark(`${CUT}: ${site.name}`)
      phase = 'cut'
      since = Date.now()
    } else if (phase === 'cut' && Date.now() - since >= plan.cutMs) {
      await restoreLink(site.wan)
      live.mark(`${RESTORED}: ${site.name}`)
      phase = 'restored'
      since = Date.now()
    } else if (phase === 'restored' && Date.now() - since >= plan.recoverMs) {
      live.giveUp(`survivors not complete ${plan.recoverMs / 1000} s after the WAN link came back`)
    }
  }
}
