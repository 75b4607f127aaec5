/**
 * Three real libp2p nodes on 127.0.0.1 TCP (noise, yamux) for the routed-RPC
 * tests: a hub that makes a Session per `/p2p-tor/hub/1.0.0` stream and routes
 * every request to a Dealer, and members that open that stream and attach an
 * RpcMember. This is the glue the real hub.ts will hold; it stays minimal.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { Dealer } from '../../../src/messaging/dealer.js'
import { RpcError } from '../../../src/messaging/errors.js'
import { FailureCode } from '../../../src/messaging/failure.js'
import { RpcMember } from '../../../src/messaging/rpc-member.js'
import { HUB_PROTOCOL, Session, requestKind } from '../../../src/messaging/session.js'
import type { DealerLimits } from '../../../src/messaging/dealer.js'
import type { RpcMemberOptions } from '../../../src/messaging/rpc-member.js'
import type { RequestContext, ResponseBody } from '../../../src/messaging/session.js'
import type { Request } from '../../../src/messaging/wire-pb.js'
import type { Libp2p } from '@libp2p/interface'

export async function startNode (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

function refuse (req: Request): Promise<ResponseBody> {
  return Promise.reject(new RpcError('', `this test peer does not take ${requestKind(req)} requests`, FailureCode.BAD_REQUEST))
}

export interface Grant { peer: string, action: 'call' | 'register', uri: string }

export class TestHub {
  readonly node: Libp2p
  readonly dealer: Dealer
  /** The rights the realm would grant: `peer action uri`; anything else is refused. */
  readonly grants = new Set<string>()
  readonly limits: DealerLimits = { maxPayloadBytes: 1024 * 1024, maxInflightCallsPerPeer: 64, callTimeoutMs: 30_000 }
  /** The one live session per peer: a new one supersedes the old (a reconnect the hub has not noticed yet). */
  readonly sessions = new Map<string, Session>()

  private constructor (node: Libp2p) {
    this.node = node
    this.dealer = new Dealer({
      authorizer: { may: (peer, action, uri) => this.grants.has(`${peer} ${action} ${uri}`) },
      limits: () => this.limits
    })
  }

  static async start (): Promise<TestHub> {
    const hub = new TestHub(await startNode())
    await hub.node.handle(HUB_PROTOCOL, (stream, connection) => {
      const peer = connection.remotePeer.toString()
      const session = new Session(stream, { remotePeer: peer })
      const old = hub.sessions.get(peer)
      if (old != null) {
        hub.dealer.sessionClosed(peer, old)
        old.abort(new Error('superseded by a newer session from the same peer'))
      }
      hub.sessions.set(peer, session)
      session.onRequest((req, ctx) => hub.dealer.handle(peer, session, req, ctx.signal) ?? refuse(req))
      void session.closed.then(() => {
        hub.dealer.sessionClosed(peer, session)
        if (hub.sessions.get(peer) === session) hub.sessions.delete(peer)
      })
    })
    return hub
  }

  grant (peer: string, action: 'call' | 'register', uri: string): void {
    this.grants.add(`${peer} ${action} ${uri}`)
  }

  async stop (): Promise<void> {
    for (const s of this.sessions.values()) s.abort(new Error('hub stopping'))
    await this.node.stop()
  }
}

export class TestMember {
  readonly node: Libp2p
  readonly rpc: RpcMember
  session?: Session

  private constructor (node: Libp2p, opts?: RpcMemberOptions) {
    this.node = node
    this.rpc = new RpcMember(opts)
  }

  static async start (opts?: RpcMemberOptions): Promise<TestMember> {
    return new TestMember(await startNode(), opts)
  }

  get peerId (): string {
    return this.node.peerId.toString()
  }

  /** Opens a session to the hub over this member's own outbound connection and attaches the RpcMember to it. */
  async connect (hub: TestHub): Promise<Session> {
    const stream = await this.node.dialProtocol(hub.node.getMultiaddrs()[0], HUB_PROTOCOL)
    const session = new Session(stream, { remotePeer: hub.node.peerId.toString() })
    session.onRequest((req: Request, ctx: RequestContext) => this.rpc.handle(req, ctx) ?? refuse(req))
    this.session = session
    await this.rpc.attach(session)
    return session
  }

  async stop (): Promise<void> {
    this.session?.abort(new Error('member stopping'))
    await this.node.stop()
  }
}
