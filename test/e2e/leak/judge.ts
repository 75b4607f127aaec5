/**
 * Turns a scenario's records into findings: one per broken guarantee, in
 * words that say what leaked and where it was seen.
 */
import { readFile } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { isValidOnion3Multiaddr } from '../../../src/onion/index.js'
import { judgeListening } from './listening.js'
import { judgeLog } from './secrets.js'
import { parseTrace } from './parse.js'
import { destinations, judgeTrace } from './trace.js'
import type { Finding } from './findings.js'
import type { NodeRecord, ScenarioResult } from './scenario.js'

/** The whole agentVersion a node may send: no Node.js version, OS or host. */
export const AGENT = 'p2p-tor'

async function readTrace (rec: NodeRecord): Promise<ReturnType<typeof parseTrace>> {
  // a missing trace reads as empty; the spec checks that the tor connections are in it
  return parseTrace(await readFile(rec.traceFile, 'utf8').catch(() => ''))
}

function nonOnion (addrs: string[] | undefined): string[] {
  return (addrs ?? []).filter(a => {
    try { return !isValidOnion3Multiaddr(multiaddr(a)) } catch { return true }
  })
}

/** What one node revealed, or learnt of the other, that is not an onion address; and its agent string. */
function judgeIdentity (self: NodeRecord, other: NodeRecord): Finding[] {
  const out: Finding[] = []
  const bad = (what: string, addrs: string[] | undefined): void => {
    for (const a of nonOnion(addrs)) out.push({ kind: 'announce', text: `${what}: ${a}` })
  }
  bad(`${self.name} announces`, self.announced)
  const id = self.identifyOfRemote
  bad(`${self.name} learnt through identify that ${other.name} listens on`, id?.listenAddrs)
  bad(`${self.name} got a signed peer record of ${other.name} with`, id?.signedPeerRecordAddrs)
  bad(`${other.name} told ${self.name} it observed it at`, id?.observedAddr != null ? [id.observedAddr] : [])
  bad(`${self.name}'s peer store holds for ${other.name}`, self.peerOfRemote?.addresses)
  bad(`${self.name}'s automatic identify of ${other.name} lists`, self.peerOfRemote?.autoIdentify?.listenAddrs)
  const agents: Array<[string, string | undefined]> = [['identify', id?.agentVersion], ['the peer store', self.peerOfRemote?.agentVersion]]
  for (const [where, agent] of agents) {
    if (agent !== AGENT) out.push({ kind: 'agent', text: `${self.name} sees ${other.name}'s agentVersion in ${where} as ${JSON.stringify(agent)}, not "${AGENT}"` })
  }
  return out
}

async function judgeNode (rec: NodeRecord): Promise<Finding[]> {
  const trace = await readTrace(rec)
  const log = await readFile(rec.logFile, 'utf8').catch(() => '')
  return [
    ...judgeTrace(trace, rec.policy).map(f => ({ ...f, text: `${rec.name}: ${f.text}` })),
    ...judgeListening(rec.listening).map(f => ({ ...f, text: `${rec.name}: ${f.text}` })),
    ...judgeLog(log, rec.secrets, `${rec.name}'s log`)
  ]
}

/** Every broken guarantee in a scenario's records. */
export async function judge (r: ScenarioResult): Promise<Finding[]> {
  const findings: Finding[] = [
    ...await judgeNode(r.listener),
    ...await judgeNode(r.dialer),
    ...judgeIdentity(r.listener, r.dialer),
    ...judgeIdentity(r.dialer, r.listener)
  ]
  // errors are text a user sees too: the refused and failed dials must not carry a secret either
  const errors = [...Object.values(r.poisonedDials), r.redial].map(d => d?.error ?? '').join('\n')
  findings.push(...judgeLog(errors, [...r.listener.secrets, ...r.dialer.secrets], 'dial errors'))
  for (const hit of r.trapHits.host) findings.push({ kind: 'trap', text: `the trap on 127.0.0.1 (host namespace) was connected to from ${hit}` })
  for (const hit of r.trapHits.namespace) findings.push({ kind: 'trap', text: `the trap in the dialer's namespace was connected to from ${hit}` })
  for (const d of r.packets?.destinations ?? []) {
    findings.push({ kind: / 53$/.test(d) ? 'dns' : 'destination', text: `dialer: nftables saw a packet to ${d}` })
  }
  if (r.packets != null && r.packets.notTorPackets > 0 && r.packets.destinations.length === 0) {
    findings.push({ kind: 'destination', text: `dialer: nftables counted ${r.packets.notTorPackets} packet(s) that were not for tor (neither TCP nor UDP)` })
  }
  return findings
}

/** What the trace shows each node connected to (for the report). */
export async function traceDestinations (rec: NodeRecord): Promise<string[]> {
  return destinations(await readTrace(rec))
}
