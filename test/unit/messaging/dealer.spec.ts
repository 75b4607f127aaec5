/**
 * The Dealer with scripted members: each member end is a plain Session the
 * test drives, so every Invoke and Interrupt the hub sends is checked as it
 * is on the wire, with no libp2p node in the way.
 */
import assert from 'node:assert/strict'
import { streamPair } from '@libp2p/utils'
import { Dealer } from '../../../src/messaging/dealer.js'
import { Session } from '../../../src/messaging/session.js'
import type { DealerLimits } from '../../../src/messaging/dealer.js'
import type { ResponseBody } from '../../../src/messaging/session.js'
import type { Request, Response } from '../../../src/messaging/wire-pb.js'
import type { Stream } from '@libp2p/interface'

const A = '12D3KooWAlice'
const B = '12D3KooWBob'
const C = '12D3KooWCarol'
const bytes = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s)
const text = (b?: Uint8Array): string => new TextDecoder().decode(b)

function defer<T = void> (): { promise: Promise<T>, resolve: (v: T) => void } {
  let resolve!: (v: T) => void
  const promise = new Promise<T>(r => { resolve = r })
  return { promise, resolve }
}

/** One member connected to the dealer: `member` is its end, `hubSide` the hub's. */
interface Link {
  peer: string
  member: Session
  hubSide: Session
  /** Requests the hub sent this member (Invoke, Interrupt). */
  got: Request[]
  /** How this member answers the hub's requests (default: echo the invoke data). */
  answer: (req: Request) => Promise<ResponseBody>
  next: (pred: (r: Request) => boolean) => Promise<Request>
}

describe('Dealer (with scripted members over in-memory streams)', () => {
  let streams: Stream[] = []
  let sessions: Session[] = []
  let dealer: Dealer
  let limits: DealerLimits
  let grants: Set<string>
  let asked: string[]

  beforeEach(() => {
    limits = { maxPayloadBytes: 100, maxInflightCallsPerPeer: 8, callTimeoutMs: 30_000 }
    grants = new Set([`${A} register x.echo`, `${A} register x.hold`, `${B} call x.echo`, `${B} call x.hold`, `${C} call x.echo`, `${C} register x.echo`])
    asked = []
    dealer = new Dealer({
      authorizer: {
        may: (peer, action, uri) => {
          asked.push(`${peer} ${action} ${uri}`)
          return grants.has(`${peer} ${action} ${uri}`)
        }
      },
      limits: () => limits
    })
  })

  afterEach(() => {
    for (const s of sessions) s.abort(new Error('test over'))
    for (const s of streams) s.abort(new Error('test over'))
    sessions = []
    streams = []
  })

  async function connect (peer: string): Promise<Link> {
    const [out, inb] = await streamPair()
    streams.push(out, inb)
    const member = new Session(out, { remotePeer: 'hub' })
    const hubSide = new Session(inb, { remotePeer: peer })
    sessions.push(member, hubSide)
    const waiters: Array<{ pred: (r: Request) => boolean, resolve: (r: Request) => void }> = []
    const link: Link = {
      peer,
      member,
      hubSide,
      got: [],
      answer: async (req) => ({ result: bytes(`echo:${text(req.invoke?.data)}`) }),
      next: async (pred) => {
        const found = link.got.find(pred)
        if (found != null) return found
        return await new Promise(resolve => { waiters.push({ pred, resolve }) })
      }
    }
    member.onRequest(async (req) => {
      link.got.push(req)
      for (const w of waiters.filter(w => w.pred(req))) w.resolve(req)
      return await link.answer(req)
    })
    hubSide.onRequest((req, ctx) => dealer.handle(peer, hubSide, req, ctx.signal) ?? Promise.resolve({ error: { code: 'BAD_REQUEST', message: 'not rpc' } }))
    void hubSide.closed.then(() => { dealer.sessionClosed(peer, hubSide) })
    return link
  }

  async function req (link: Link, body: Omit<Request, 'id'>): Promise<Response> {
    return await link.member.request(body, { timeoutMs: 10_000 })
  }

  it('routes a Call as an Invoke carrying the caller\'s PeerId and min(call deadline, hub deadline), and passes the result back', async () => {
    limits.callTimeoutMs = 5000
    const a = await connect(A)
    const b = await connect(B)
    assert.deepEqual(await req(a, { register: { uri: 'x.echo' } }), { id: 1n })
    const res = await req(b, { call: { uri: 'x.echo', data: bytes('hi'), timeoutMs: 60_000 } })
    assert.equal(text(res.result), 'echo:hi')
    assert.equal(res.error, undefined)
    const inv = a.got[0].invoke
    assert.deepEqual({ uri: inv?.uri, data: text(inv?.data), caller: inv?.caller, timeoutMs: inv?.timeoutMs }, { uri: 'x.echo', data: 'hi', caller: B, timeoutMs: 5000 })
    const shorter = await req(b, { call: { uri: 'x.echo', data: bytes('2'), timeoutMs: 700 } })
    assert.equal(text(shorter.result), 'echo:2')
    assert.equal(a.got[1].invoke?.timeoutMs, 700)
    const unset = await req(b, { call: { uri: 'x.echo', data: bytes('3'), timeoutMs: 0 } })
    assert.equal(text(unset.result), 'echo:3')
    assert.equal(a.got[2].invoke?.timeoutMs, 5000)
    assert.deepEqual(asked, [`${A} register x.echo`, `${B} call x.echo`, `${B} call x.echo`, `${B} call x.echo`])
  })

  it('passes the callee\'s Failure back unchanged', async () => {
    const a = await connect(A)
    const b = await connect(B)
    await req(a, { register: { uri: 'x.echo' } })
    a.answer = async () => ({ error: { code: 'CALLEE_ERROR', message: 'it broke', uri: 'x.echo' } })
    const res = await req(b, { call: { uri: 'x.echo', data: bytes(''), timeoutMs: 0 } })
    assert.deepEqual(res.error, { code: 'CALLEE_ERROR', message: 'it broke', uri: 'x.echo' })
  })

  it('refusals: NOT_AUTHORIZED (register, call), NO_SUCH_PROCEDURE, TOO_LARGE, BAD_REQUEST for an empty URI', async () => {
    const a = await connect(A)
    const b = await connect(B)
    assert.deepEqual((await req(b, { register: { uri: 'x.echo' } })).error, { code: 'NOT_AUTHORIZED', message: 'not authorized to register on x.echo: no role in the hub\'s realm grants this peer "register" on this URI; ask the hub\'s operator to add it', uri: 'x.echo', action: 'register' })
    assert.equal((await req(a, { call: { uri: 'x.echo', data: bytes(''), timeoutMs: 0 } })).error?.action, 'call')
    assert.equal((await req(b, { call: { uri: 'x.echo', data: bytes(''), timeoutMs: 0 } })).error?.code, 'NO_SUCH_PROCEDURE')
    await req(a, { register: { uri: 'x.echo' } })
    assert.equal(text((await req(b, { call: { uri: 'x.echo', data: new Uint8Array(100), timeoutMs: 0 } })).result).length, 105)
    assert.deepEqual((await req(b, { call: { uri: 'x.echo', data: new Uint8Array(101), timeoutMs: 0 } })).error, { code: 'TOO_LARGE', message: 'the call\'s data is 101 bytes, over the hub\'s cap of 100; send less', uri: 'x.echo' })
    assert.deepEqual((await req(b, { call: { uri: '', data: bytes(''), timeoutMs: 0 } })).error, { code: 'BAD_REQUEST', message: 'invalid URI "": it is empty; use dotted components such as "com.example.topic"', uri: '' })
    assert.equal((await req(a, { register: { uri: 'u'.repeat(513) } })).error?.code, 'BAD_REQUEST')
    assert.deepEqual((await req(a, { register: { uri: 'x..echo' } })).error, { code: 'BAD_REQUEST', message: 'invalid URI "x..echo": component 1 is empty; components are separated by single dots and may not be empty', uri: 'x..echo' })
    assert.equal((await req(b, { unregister: { uri: 'x echo' } })).error?.code, 'BAD_REQUEST')
    assert.equal(a.got.length, 1, 'only the one accepted call reached the callee')
    assert.ok(!asked.some(q => q.includes('x..echo') || q.endsWith(' ')), 'an invalid URI is refused before the realm is asked')
  })

  it('ALREADY_REGISTERED names the holder for another peer; the same session again is fine; the same peer on a newer session takes the registration over', async () => {
    const a = await connect(A)
    const c = await connect(C)
    await req(a, { register: { uri: 'x.echo' } })
    assert.deepEqual(await req(a, { register: { uri: 'x.echo' } }), { id: 2n })
    const other = await req(c, { register: { uri: 'x.echo' } })
    assert.equal(other.error?.code, 'ALREADY_REGISTERED')
    assert.equal(other.error?.holder, A)
    assert.equal(other.error?.message, `x.echo is already registered by ${A}: unregister it there first, or register another URI`)
    const a2 = await connect(A)
    const again = await req(a2, { register: { uri: 'x.echo' } })
    assert.equal(again.error, undefined)
    assert.equal(dealer.holderOf('x.echo'), A)
    // calls now reach the newer session, not the older one
    const before = a.got.length
    const b = await connect(B)
    const res = await req(b, { call: { uri: 'x.echo', data: bytes('to a2'), timeoutMs: 0 } })
    assert.equal(text(res.result), 'echo:to a2')
    assert.equal(a2.got.length, 1)
    assert.equal(a.got.length, before)
  })

  it('unregister: only the holding session can; then calls get NO_SUCH_PROCEDURE and another peer may register', async () => {
    const a = await connect(A)
    const b = await connect(B)
    const c = await connect(C)
    await req(a, { register: { uri: 'x.echo' } })
    assert.deepEqual((await req(c, { unregister: { uri: 'x.echo' } })).error, { code: 'NO_SUCH_PROCEDURE', message: 'x.echo is not registered on this session, so there is nothing to unregister', uri: 'x.echo' })
    assert.equal(dealer.holderOf('x.echo'), A)
    assert.deepEqual(await req(a, { unregister: { uri: 'x.echo' } }), { id: 2n })
    assert.equal(dealer.holderOf('x.echo'), undefined)
    assert.equal((await req(b, { call: { uri: 'x.echo', data: bytes(''), timeoutMs: 0 } })).error?.code, 'NO_SUCH_PROCEDURE')
    assert.equal((await req(c, { register: { uri: 'x.echo' } })).error, undefined)
    assert.equal(dealer.holderOf('x.echo'), C)
  })

  it('TOO_MANY_CALLS past the per-peer cap, counted over all of a caller\'s sessions', async () => {
    limits.maxInflightCallsPerPeer = 2
    const a = await connect(A)
    const b1 = await connect(B)
    const b2 = await connect(B)
    await req(a, { register: { uri: 'x.hold' } })
    const hold = defer<ResponseBody>()
    a.answer = async () => await hold.promise
    const first = req(b1, { call: { uri: 'x.hold', data: bytes('1'), timeoutMs: 0 } })
    const second = req(b2, { call: { uri: 'x.hold', data: bytes('2'), timeoutMs: 0 } })
    await a.next(r => r.invoke?.data != null && text(r.invoke.data) === '2')
    await a.next(r => r.invoke?.data != null && text(r.invoke.data) === '1')
    assert.deepEqual((await req(b1, { call: { uri: 'x.hold', data: bytes('3'), timeoutMs: 0 } })).error, { code: 'TOO_MANY_CALLS', message: '2 calls from this peer are already in flight, the hub\'s cap; wait for some to finish', uri: 'x.hold' })
    hold.resolve({ result: bytes('done') })
    assert.equal(text((await first).result), 'done')
    assert.equal(text((await second).result), 'done')
    assert.equal(text((await req(b1, { call: { uri: 'x.hold', data: bytes('4'), timeoutMs: 0 } })).result), 'done')
  })

  it('a Cancel interrupts the callee (by the Invoke\'s id) and answers the Call CANCELED; a Cancel for a finished call is ok', async () => {
    const a = await connect(A)
    const b = await connect(B)
    await req(a, { register: { uri: 'x.hold' } })
    a.answer = async (r) => r.invoke != null ? await new Promise<ResponseBody>(() => {}) : {}
    const call = b.member.issue({ call: { uri: 'x.hold', data: bytes(''), timeoutMs: 0 } }, { timeoutMs: 10_000 })
    const invoke = await a.next(r => r.invoke != null)
    assert.deepEqual(await req(b, { cancel: { callId: call.id } }), { id: 2n })
    const interrupt = await a.next(r => r.interrupt != null)
    assert.equal(interrupt.interrupt?.invokeId, invoke.id)
    const res = await call.response
    assert.deepEqual(res.error, { code: 'CANCELED', message: 'the call to x.hold was canceled by the caller' })
    assert.deepEqual(await req(b, { cancel: { callId: call.id } }), { id: 3n })
    assert.deepEqual(await req(b, { cancel: { callId: 999n } }), { id: 4n })
  })

  it('the hub\'s deadline: TIMEOUT to the caller and an Interrupt to the callee', async () => {
    limits.callTimeoutMs = 1
    const a = await connect(A)
    const b = await connect(B)
    await req(a, { register: { uri: 'x.hold' } })
    a.answer = async (r) => r.invoke != null ? await new Promise<ResponseBody>(() => {}) : {}
    const res = await req(b, { call: { uri: 'x.hold', data: bytes(''), timeoutMs: 60_000 } })
    assert.deepEqual(res.error, { code: 'TIMEOUT', message: 'the call to x.hold did not finish within 1 ms (the hub\'s deadline)' })
    const invoke = await a.next(r => r.invoke != null)
    const interrupt = await a.next(r => r.interrupt != null)
    assert.equal(interrupt.interrupt?.invokeId, invoke.id)
  })

  it('the callee\'s session closing fails its in-flight calls at once with CALLEE_GONE and drops its registrations', async () => {
    const a = await connect(A)
    const b = await connect(B)
    await req(a, { register: { uri: 'x.hold' } })
    await req(a, { register: { uri: 'x.echo' } })
    a.answer = async () => await new Promise<ResponseBody>(() => {})
    const call = req(b, { call: { uri: 'x.hold', data: bytes(''), timeoutMs: 60_000 } })
    await a.next(r => r.invoke != null)
    await a.member.close()
    assert.deepEqual((await call).error, { code: 'CALLEE_GONE', message: 'the callee of x.hold disconnected before it answered; call again once it is back', uri: 'x.hold' })
    assert.equal(dealer.holderOf('x.hold'), undefined)
    assert.equal(dealer.holderOf('x.echo'), undefined)
  })

  it('sessionClosed() fails calls routed to that session even before its stream reports the close', async () => {
    const a = await connect(A)
    const b = await connect(B)
    await req(a, { register: { uri: 'x.hold' } })
    a.answer = async () => await new Promise<ResponseBody>(() => {})
    const call = req(b, { call: { uri: 'x.hold', data: bytes(''), timeoutMs: 60_000 } })
    await a.next(r => r.invoke != null)
    dealer.sessionClosed(A, a.hubSide)
    assert.equal((await call).error?.code, 'CALLEE_GONE')
    assert.equal(a.hubSide.open, true, 'the dealer does not own sessions')
  })

  it('the caller\'s session closing interrupts the invocations of its calls', async () => {
    const a = await connect(A)
    const b = await connect(B)
    await req(a, { register: { uri: 'x.hold' } })
    a.answer = async (r) => r.invoke != null ? await new Promise<ResponseBody>(() => {}) : {}
    const call = req(b, { call: { uri: 'x.hold', data: bytes(''), timeoutMs: 60_000 } })
    const invoke = await a.next(r => r.invoke != null)
    await b.member.close()
    await assert.rejects(call)
    const interrupt = await a.next(r => r.interrupt != null)
    assert.equal(interrupt.interrupt?.invokeId, invoke.id)
  })

  it('dropPeer() (revocation) drops the peer\'s registrations and fails the calls routed to it', async () => {
    const a = await connect(A)
    const b = await connect(B)
    await req(a, { register: { uri: 'x.hold' } })
    await req(a, { register: { uri: 'x.echo' } })
    a.answer = async () => await new Promise<ResponseBody>(() => {})
    const call = req(b, { call: { uri: 'x.hold', data: bytes(''), timeoutMs: 60_000 } })
    await a.next(r => r.invoke != null)
    dealer.dropPeer(A)
    assert.equal((await call).error?.code, 'CALLEE_GONE')
    assert.equal(dealer.holderOf('x.hold'), undefined)
    assert.equal(dealer.holderOf('x.echo'), undefined)
    assert.equal((await req(b, { call: { uri: 'x.echo', data: bytes(''), timeoutMs: 0 } })).error?.code, 'NO_SUCH_PROCEDURE')
  })

  it('caps the registrations one peer may hold', async () => {
    limits.maxRegistrationsPerPeer = 1
    const a = await connect(A)
    await req(a, { register: { uri: 'x.echo' } })
    assert.deepEqual((await req(a, { register: { uri: 'x.hold' } })).error, { code: 'TOO_MANY_CALLS', message: 'this peer already holds 1 registrations, the hub\'s cap; unregister some first', uri: 'x.hold' })
  })

  it('returns undefined for requests that are not RPC (the hub routes those to pubsub)', async () => {
    const a = await connect(A)
    const signal = new AbortController().signal
    assert.equal(dealer.handle(A, a.hubSide, { id: 1n, subscribe: { topic: 't' } }, signal), undefined)
    assert.equal(dealer.handle(A, a.hubSide, { id: 2n, publishIntent: { topic: 't' } }, signal), undefined)
    assert.equal(dealer.handle(A, a.hubSide, { id: 3n }, signal), undefined)
  })
})
