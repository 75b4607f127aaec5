import assert from 'node:assert/strict'
import { AbortError, TimeoutError } from '@libp2p/interface'
import { lpStream, streamPair } from '@libp2p/utils'
import { HubUnavailableError, NotAuthorizedError, ProtocolError, RpcError } from '../../../src/messaging/errors.js'
import { Session } from '../../../src/messaging/session.js'
import { Frame } from '../../../src/messaging/wire-pb.js'
import type { RequestContext, ResponseBody, SessionOptions } from '../../../src/messaging/session.js'
import type { Request } from '../../../src/messaging/wire-pb.js'
import type { Stream } from '@libp2p/interface'

const MEMBER = '12D3KooWMember'
const HUB = '12D3KooWHub'
const bytes = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s)
const text = (b?: Uint8Array): string => new TextDecoder().decode(b)

/** A handler whose answers the test releases one by one. */
function gate (): { handler: (req: Request, ctx: RequestContext) => Promise<ResponseBody>, seen: Request[], signals: AbortSignal[], release: (i: number, body: ResponseBody) => void, arrived: (n: number) => Promise<void> } {
  const seen: Request[] = []
  const signals: AbortSignal[] = []
  const answers: Array<(b: ResponseBody) => void> = []
  const waiters: Array<{ n: number, resolve: () => void }> = []
  return {
    seen,
    signals,
    handler: async (req, ctx) => {
      seen.push(req)
      signals.push(ctx.signal)
      for (const w of waiters.filter(w => seen.length >= w.n)) w.resolve()
      return await new Promise<ResponseBody>(resolve => { answers.push(resolve) })
    },
    release: (i, body) => { answers[i](body) },
    arrived: async (n) => {
      if (seen.length >= n) return
      await new Promise<void>(resolve => { waiters.push({ n, resolve }) })
    }
  }
}

describe('messaging Session (over an in-memory stream pair)', () => {
  let streams: Stream[] = []
  let sessions: Session[] = []

  async function pair (memberOpts: Partial<SessionOptions> = {}, hubOpts: Partial<SessionOptions> = {}): Promise<[Session, Session]> {
    const [out, inb] = await streamPair()
    streams.push(out, inb)
    const member = new Session(out, { remotePeer: HUB, ...memberOpts })
    const hub = new Session(inb, { remotePeer: MEMBER, ...hubOpts })
    sessions.push(member, hub)
    return [member, hub]
  }

  /** A session on one end; the other end is a raw length-prefixed stream the test writes frames to. */
  async function raw (opts: Partial<SessionOptions> = {}): Promise<[Session, ReturnType<typeof lpStream>]> {
    const [out, inb] = await streamPair()
    streams.push(out, inb)
    const member = new Session(out, { remotePeer: HUB, ...opts })
    sessions.push(member)
    return [member, lpStream(inb)]
  }

  afterEach(() => {
    for (const s of sessions) s.abort(new Error('test over'))
    for (const s of streams) s.abort(new Error('test over'))
    sessions = []
    streams = []
  })

  it('exports the protocol id', async () => {
    const { HUB_PROTOCOL } = await import('../../../src/messaging/session.js')
    assert.equal(HUB_PROTOCOL, '/p2p-tor/hub/1.0.0')
  })

  it('answers a request with the handler\'s body under the same id, ids counting up from 1', async () => {
    const [member, hub] = await pair()
    const seen: Request[] = []
    hub.onRequest(async (req) => {
      seen.push(req)
      return { result: bytes(`echo:${text(req.call?.data)}`) }
    })
    const first = member.issue({ call: { uri: 'a.b', data: bytes('one'), timeoutMs: 1000 } }, { timeoutMs: 5000 })
    const second = member.issue({ register: { uri: 'c.d' } }, { timeoutMs: 5000 })
    assert.equal(first.id, 1n)
    assert.equal(second.id, 2n)
    const r1 = await first.response
    const r2 = await second.response
    assert.equal(r1.id, 1n)
    assert.equal(text(r1.result), 'echo:one')
    assert.equal(r1.error, undefined)
    assert.equal(r2.id, 2n)
    assert.equal(text(r2.result), 'echo:')
    assert.equal(seen.length, 2)
    assert.equal(seen[0].id, 1n)
    assert.equal(seen[0].call?.uri, 'a.b')
    assert.equal(seen[0].call?.timeoutMs, 1000)
    assert.equal(seen[1].register?.uri, 'c.d')
    assert.equal(seen[1].call, undefined)
  })

  it('both directions carry requests at once, each with its own ids', async () => {
    const [member, hub] = await pair()
    member.onRequest(async (req) => ({ result: bytes(`member saw ${req.id}`) }))
    hub.onRequest(async (req) => ({ result: bytes(`hub saw ${req.id}`) }))
    const [a, b] = await Promise.all([
      member.request({ register: { uri: 'x' } }, { timeoutMs: 5000 }),
      hub.request({ invoke: { uri: 'x', data: bytes('d'), caller: 'p', timeoutMs: 10 } }, { timeoutMs: 5000 })
    ])
    assert.equal(text(a.result), 'hub saw 1')
    assert.equal(text(b.result), 'member saw 1')
  })

  it('turns a handler\'s typed error into a Failure', async () => {
    const [member, hub] = await pair()
    hub.onRequest(async () => { throw new NotAuthorizedError('a.b', 'register') })
    const res = await member.request({ register: { uri: 'a.b' } }, { timeoutMs: 5000 })
    assert.equal(res.result, undefined)
    assert.equal(res.error?.code, 'NOT_AUTHORIZED')
    assert.equal(res.error?.uri, 'a.b')
    assert.equal(res.error?.action, 'register')
  })

  it('a handler that throws synchronously still gets an answer', async () => {
    const [member, hub] = await pair()
    hub.onRequest(((): never => { throw new RpcError('a.b', 'sync', 'BAD_REQUEST') }) as any)
    const res = await member.request({ register: { uri: 'a.b' } }, { timeoutMs: 5000 })
    assert.equal(res.error?.code, 'BAD_REQUEST')
    assert.equal(res.error?.message, 'sync')
  })

  it('answers BAD_REQUEST when this side has no request handler', async () => {
    const [member] = await pair()
    const res = await member.request({ subscribe: { topic: 't' } }, { timeoutMs: 5000 })
    assert.equal(res.error?.code, 'BAD_REQUEST')
    assert.equal(res.error?.message, 'this side does not take subscribe requests')
  })

  it('rejects with TimeoutError at the deadline, then drops the late answer and stays open', async () => {
    const [member, hub] = await pair()
    const g = gate()
    hub.onRequest(g.handler)
    await assert.rejects(member.request({ register: { uri: 'slow' } }, { timeoutMs: 1 }), (err: Error) => {
      assert.ok(err instanceof TimeoutError)
      assert.equal(err.message, `no answer from ${HUB} to the register request within 1 ms`)
      return true
    })
    await g.arrived(1)
    g.release(0, { result: bytes('late') })
    const next = member.request({ register: { uri: 'next' } }, { timeoutMs: 5000 })
    await g.arrived(2)
    g.release(1, { result: bytes('on time') })
    assert.equal(text((await next).result), 'on time')
    assert.equal(member.open, true)
  })

  it('a deadline that is not a positive number is refused; one past the timer range waits instead of firing at once', async () => {
    const [member, hub] = await pair()
    const g = gate()
    hub.onRequest(g.handler)
    for (const bad of [0, -5, Number.NaN]) {
      await assert.rejects(member.request({ register: { uri: 'a' } }, { timeoutMs: bad }), (err: Error) => err.name === 'InvalidParametersError', String(bad))
    }
    const long = member.request({ register: { uri: 'long' } }, { timeoutMs: Number.POSITIVE_INFINITY })
    await g.arrived(1)
    g.release(0, { result: bytes('waited') })
    assert.equal(text((await long).result), 'waited')
  })

  it('rejects with AbortError when the signal was aborted before, and sends nothing', async () => {
    const [member, hub] = await pair()
    const seen: Request[] = []
    hub.onRequest(async (req) => { seen.push(req); return {} })
    const ac = new AbortController()
    ac.abort(new Error('user gave up'))
    await assert.rejects(member.request({ register: { uri: 'a' } }, { timeoutMs: 5000, signal: ac.signal }), (err: Error) => {
      assert.ok(err instanceof AbortError)
      assert.equal(err.message, 'user gave up')
      assert.equal((err.cause as Error).message, 'user gave up')
      return true
    })
    await member.request({ register: { uri: 'b' } }, { timeoutMs: 5000 })
    assert.deepEqual(seen.map(r => r.register?.uri), ['b'])
  })

  it('rejects with AbortError when the signal aborts while waiting', async () => {
    const [member, hub] = await pair()
    const g = gate()
    hub.onRequest(g.handler)
    const ac = new AbortController()
    const p = member.request({ register: { uri: 'a' } }, { timeoutMs: 5000, signal: ac.signal })
    await g.arrived(1)
    ac.abort()
    await assert.rejects(p, (err: Error) => err instanceof AbortError && err.message === 'The operation was aborted')
    g.release(0, {})
    assert.equal(member.open, true)
  })

  it('close(): pending requests fail with HubUnavailableError, the other end sees a clean close and its handler signal aborts', async () => {
    const [member, hub] = await pair()
    const g = gate()
    hub.onRequest(g.handler)
    const p = member.request({ register: { uri: 'a' } }, { timeoutMs: 5000 })
    await g.arrived(1)
    assert.equal(g.signals[0].aborted, false)
    await member.close()
    await assert.rejects(p, (err: Error) => err instanceof HubUnavailableError && err.message.startsWith(`the session with ${HUB} closed`))
    assert.equal(await member.closed, undefined)
    assert.equal(await hub.closed, undefined)
    assert.equal(g.signals[0].aborted, true)
    assert.ok(g.signals[0].reason instanceof HubUnavailableError)
    assert.equal(member.open, false)
    assert.equal(hub.open, false)
    await assert.rejects(member.request({ register: { uri: 'b' } }, { timeoutMs: 5000 }), HubUnavailableError)
    assert.throws(() => { member.sendHistory({ requestId: 1n, topic: 't', from: bytes(''), data: bytes(''), seqno: bytes(''), signature: bytes(''), key: bytes('') }) }, HubUnavailableError)
  })

  it('abort(err): closed resolves with err on this side, pending requests fail with it as the cause', async () => {
    const [member, hub] = await pair()
    hub.onRequest(gate().handler)
    const p = member.request({ register: { uri: 'a' } }, { timeoutMs: 5000 })
    const boom = new Error('boom')
    member.abort(boom)
    await assert.rejects(p, (err: Error) => err instanceof HubUnavailableError && err.cause === boom)
    assert.equal(await member.closed, boom)
    const remote = await hub.closed
    assert.ok(remote instanceof Error, 'the hub side ends with the reset')
  })

  it('refuses incoming requests over the in-flight cap with TOO_MANY_CALLS, and takes them again once some finish', async () => {
    const [member, hub] = await pair({}, { maxIncomingRequests: 2 })
    const g = gate()
    hub.onRequest(g.handler)
    const a = member.request({ register: { uri: 'a' } }, { timeoutMs: 5000 })
    const b = member.request({ register: { uri: 'b' } }, { timeoutMs: 5000 })
    await g.arrived(2)
    const c = await member.request({ register: { uri: 'c' } }, { timeoutMs: 5000 })
    assert.equal(c.error?.code, 'TOO_MANY_CALLS')
    assert.equal(c.error?.message, '2 requests are already in flight on this session; wait for some to finish and retry')
    assert.equal(g.seen.length, 2)
    g.release(0, { result: bytes('A') })
    assert.equal(text((await a).result), 'A')
    const d = member.request({ register: { uri: 'd' } }, { timeoutMs: 5000 })
    await g.arrived(3)
    g.release(2, { result: bytes('D') })
    g.release(1, { result: bytes('B') })
    assert.equal(text((await b).result), 'B')
    assert.equal(text((await d).result), 'D')
  })

  it('refuses its own requests over the outgoing cap with RpcError TOO_MANY_CALLS', async () => {
    const [member, hub] = await pair({ maxOutgoingRequests: 1 })
    hub.onRequest(gate().handler)
    const first = member.request({ register: { uri: 'a' } }, { timeoutMs: 5000 })
    await assert.rejects(member.request({ register: { uri: 'b' } }, { timeoutMs: 5000 }), (err: Error) => err instanceof RpcError && err.code === 'TOO_MANY_CALLS')
    member.abort(new Error('done'))
    await assert.rejects(first, HubUnavailableError)
  })

  it('refuses a request past the send-queue byte cap with TOO_MANY_CALLS, but never a Cancel or an Interrupt', async () => {
    const [member, hub] = await pair({ maxQueuedBytes: 150 })
    const seen: Request[] = []
    hub.onRequest(async (req) => { seen.push(req); return { result: bytes('ok') } })
    const call = (): Promise<unknown> => member.request({ call: { uri: 'q', data: new Uint8Array(100), timeoutMs: 1 } }, { timeoutMs: 5000 })
    // issued in one tick: the first frame is still queued when the second asks
    const first = call()
    const second = call()
    const cancel = member.request({ cancel: { callId: 1n } }, { timeoutMs: 5000 })
    await assert.rejects(second, (err: Error) => {
      assert.ok(err instanceof RpcError)
      assert.equal(err.code, 'TOO_MANY_CALLS')
      assert.equal(err.uri, 'q')
      assert.match(err.message, /^1\d\d bytes are already waiting to be sent to 12D3KooWHub, the session's cap/)
      return true
    })
    await first
    await cancel
    assert.deepEqual(seen.map(r => r.call != null ? 'call' : 'cancel'), ['call', 'cancel'])
    // drained: the cap admits a request again
    await call()
  })

  it('refuses to send a request over the frame cap with RpcError TOO_LARGE, and stays open', async () => {
    const [member, hub] = await pair({ maxFrameBytes: 100 })
    hub.onRequest(async () => ({ result: bytes('ok') }))
    await assert.rejects(member.request({ call: { uri: 'big', data: new Uint8Array(200), timeoutMs: 1 } }, { timeoutMs: 5000 }), (err: Error) => {
      assert.ok(err instanceof RpcError)
      assert.equal(err.code, 'TOO_LARGE')
      assert.equal(err.uri, 'big')
      return true
    })
    assert.equal(text((await member.request({ call: { uri: 'small', data: new Uint8Array(10), timeoutMs: 1 } }, { timeoutMs: 5000 })).result), 'ok')
  })

  it('answers TOO_LARGE when the handler\'s answer is over the frame cap', async () => {
    const [member, hub] = await pair({}, { maxFrameBytes: 100 })
    hub.onRequest(async () => ({ result: new Uint8Array(500) }))
    const res = await member.request({ register: { uri: 'a' } }, { timeoutMs: 5000 })
    assert.equal(res.result, undefined)
    assert.equal(res.error?.code, 'TOO_LARGE')
  })

  it('delivers History notices to the history handler', async () => {
    const [member, hub] = await pair()
    const got = new Promise<any>(resolve => { member.onHistory(resolve) })
    hub.sendHistory({ requestId: 7n, topic: 't.x', from: bytes('f'), data: bytes('d'), seqno: bytes('s'), signature: bytes('g'), key: bytes('k') })
    const h = await got
    assert.equal(h.requestId, 7n)
    assert.equal(h.topic, 't.x')
    assert.deepEqual([h.from, h.data, h.seqno, h.signature, h.key].map(text), ['f', 'd', 's', 'g', 'k'])
  })

  it('the other end closing its side ends the session cleanly and fails pending requests', async () => {
    const [member, other] = await raw()
    const p = member.request({ register: { uri: 'a' } }, { timeoutMs: 5000 })
    await other.unwrap().close()
    await assert.rejects(p, HubUnavailableError)
    assert.equal(await member.closed, undefined)
  })

  describe('protocol errors abort the session', () => {
    async function expectProtocolError (member: Session, pattern: RegExp): Promise<void> {
      const err = await member.closed
      assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`)
      assert.match(err.message, pattern)
      assert.equal(member.open, false)
    }

    it('a frame that does not decode', async () => {
      const [member, other] = await raw()
      const p = member.request({ register: { uri: 'a' } }, { timeoutMs: 5000 })
      await other.write(Uint8Array.from([0xff, 0xff, 0xff]))
      await expectProtocolError(member, /^12D3KooWHub sent a frame that is not a valid Frame message/)
      await assert.rejects(p, (err: Error) => err instanceof HubUnavailableError && err.cause instanceof ProtocolError)
    })

    it('a frame over the cap', async () => {
      const [member, other] = await raw({ maxFrameBytes: 100 })
      await other.write(Frame.encode({ history: { requestId: 1n, topic: 't', from: new Uint8Array(0), data: new Uint8Array(200), seqno: new Uint8Array(0), signature: new Uint8Array(0), key: new Uint8Array(0) } }))
      await expectProtocolError(member, /over the 100-byte cap/)
    })

    it('an empty frame and a frame with two parts', async () => {
      const [m1, o1] = await raw()
      await o1.write(Frame.encode({}))
      await expectProtocolError(m1, /a frame with 0 parts/)
      const [m2, o2] = await raw()
      await o2.write(Frame.encode({ request: { id: 1n, register: { uri: 'a' } }, response: { id: 1n } }))
      await expectProtocolError(m2, /a frame with 2 parts/)
    })

    it('a response to an id this side never issued', async () => {
      const [member, other] = await raw()
      await other.write(Frame.encode({ response: { id: 99n, result: bytes('x') } }))
      await expectProtocolError(member, /answered request 99, which this side never sent/)
    })

    it('a request id reused while in flight', async () => {
      const [member, other] = await raw()
      member.onRequest(gate().handler)
      await other.write(Frame.encode({ request: { id: 5n, interrupt: { invokeId: 1n } } }))
      await other.write(Frame.encode({ request: { id: 5n, interrupt: { invokeId: 2n } } }))
      await expectProtocolError(member, /reused request id 5 while it was still in flight/)
    })

    it('a well-formed stream stays open (the refuse path above is not the default)', async () => {
      const [member, other] = await raw()
      member.onRequest(async () => ({ result: bytes('fine') }))
      await other.write(Frame.encode({ request: { id: 5n, interrupt: { invokeId: 1n } } }))
      const answer = Frame.decode(await other.read())
      assert.equal(answer.response?.id, 5n)
      assert.equal(text(answer.response?.result), 'fine')
      assert.equal(member.open, true)
    })
  })
})
