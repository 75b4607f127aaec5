/**
 * RpcMember against a scripted hub: the hub end is a plain Session the test
 * drives, so every frame the member sends (Cancel, the Failure of an Invoke)
 * is checked as it is on the wire.
 */
import assert from 'node:assert/strict'
import { AbortError, InvalidParametersError } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import { HubUnavailableError, InvalidUriError, NoSuchProcedureError, NotAuthorizedError, ProcedureAlreadyRegisteredError, RpcError } from '../../../src/messaging/errors.js'
import { RpcMember } from '../../../src/messaging/rpc-member.js'
import { Session } from '../../../src/messaging/session.js'
import type { ProcedureContext } from '../../../src/messaging/rpc-member.js'
import type { RequestContext, ResponseBody } from '../../../src/messaging/session.js'
import type { Request } from '../../../src/messaging/wire-pb.js'
import type { Stream } from '@libp2p/interface'

const CALLER = '12D3KooWCaller'
const bytes = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s)
const text = (b?: Uint8Array): string => new TextDecoder().decode(b)

function defer<T = void> (): { promise: Promise<T>, resolve: (v: T) => void } {
  let resolve!: (v: T) => void
  const promise = new Promise<T>(r => { resolve = r })
  return { promise, resolve }
}

/** The hub end: records every request and answers from `answer` (default: ok). */
class ScriptedHub {
  readonly seen: Request[] = []
  answer: (req: Request) => Promise<ResponseBody> = async () => ({})
  private readonly waiters: Array<{ pred: (r: Request) => boolean, resolve: (r: Request) => void }> = []

  constructor (readonly session: Session) {
    session.onRequest(async (req) => {
      this.seen.push(req)
      for (const w of this.waiters.filter(w => w.pred(req))) w.resolve(req)
      return await this.answer(req)
    })
  }

  async next (pred: (r: Request) => boolean): Promise<Request> {
    const found = this.seen.find(pred)
    if (found != null) return found
    return await new Promise(resolve => { this.waiters.push({ pred, resolve }) })
  }
}

describe('RpcMember (against a scripted hub over an in-memory stream)', () => {
  let streams: Stream[] = []
  let sessions: Session[] = []

  async function setup (opts?: ConstructorParameters<typeof RpcMember>[0]): Promise<{ member: RpcMember, memberSession: Session, hub: ScriptedHub }> {
    const [out, inb] = await streamPair()
    streams.push(out, inb)
    const memberSession = new Session(out, { remotePeer: 'hub' })
    const hubSession = new Session(inb, { remotePeer: 'member' })
    sessions.push(memberSession, hubSession)
    const member = new RpcMember(opts)
    memberSession.onRequest((req: Request, ctx: RequestContext) => member.handle(req, ctx) ?? Promise.resolve({ error: { code: 'BAD_REQUEST', message: 'not rpc' } }))
    const hub = new ScriptedHub(hubSession)
    await member.attach(memberSession)
    return { member, memberSession, hub }
  }

  afterEach(() => {
    for (const s of sessions) s.abort(new Error('test over'))
    for (const s of streams) s.abort(new Error('test over'))
    sessions = []
    streams = []
  })

  describe('invoke (the callee side)', () => {
    it('calls the handler with the data, the caller and the URI, and answers its bytes', async () => {
      const { member, hub } = await setup()
      let ctxSeen: ProcedureContext | undefined
      await member.register('a.echo', (data, ctx) => { ctxSeen = ctx; return bytes(`got ${text(data)}`) })
      const res = await hub.session.request({ invoke: { uri: 'a.echo', data: bytes('x'), caller: CALLER, timeoutMs: 5000 } }, { timeoutMs: 5000 })
      assert.equal(text(res.result), 'got x')
      assert.equal(res.error, undefined)
      assert.equal(ctxSeen?.caller, CALLER)
      assert.equal(ctxSeen?.uri, 'a.echo')
      assert.equal(ctxSeen?.signal.aborted, false)
    })

    it('a handler error goes on the wire as CALLEE_ERROR with the URI and the first line only', async () => {
      const { member, hub } = await setup()
      await member.register('a.fail', () => { throw new Error('disk full\n    at write (/home/me/app.js:3:9)') })
      const res = await hub.session.request({ invoke: { uri: 'a.fail', data: bytes(''), caller: CALLER, timeoutMs: 5000 } }, { timeoutMs: 5000 })
      assert.deepEqual(res.error, { code: 'CALLEE_ERROR', message: 'disk full', uri: 'a.fail' })
      assert.equal(res.result, undefined)
    })

    it('a handler that throws a non-Error: CALLEE_ERROR without echoing the value', async () => {
      const { member, hub } = await setup()
      await member.register('a.odd', () => { throw bytes('secret payload') }) // eslint-disable-line @typescript-eslint/only-throw-error
      const res = await hub.session.request({ invoke: { uri: 'a.odd', data: bytes(''), caller: CALLER, timeoutMs: 5000 } }, { timeoutMs: 5000 })
      assert.deepEqual(res.error, { code: 'CALLEE_ERROR', message: 'the handler threw a value that is not an Error', uri: 'a.odd' })
    })

    it('a handler returning something other than bytes: CALLEE_ERROR', async () => {
      const { member, hub } = await setup()
      await member.register('a.str', (() => 'text') as any)
      const res = await hub.session.request({ invoke: { uri: 'a.str', data: bytes(''), caller: CALLER, timeoutMs: 5000 } }, { timeoutMs: 5000 })
      assert.deepEqual(res.error, { code: 'CALLEE_ERROR', message: 'the handler of a.str returned something other than bytes', uri: 'a.str' })
    })

    it('a result over the member\'s cap: TOO_LARGE; at the cap it goes', async () => {
      const { member, hub } = await setup({ maxPayloadBytes: 10 })
      await member.register('a.size', (data) => new Uint8Array(Number(text(data))))
      const ok = await hub.session.request({ invoke: { uri: 'a.size', data: bytes('10'), caller: CALLER, timeoutMs: 5000 } }, { timeoutMs: 5000 })
      assert.equal(ok.result?.byteLength, 10)
      const big = await hub.session.request({ invoke: { uri: 'a.size', data: bytes('11'), caller: CALLER, timeoutMs: 5000 } }, { timeoutMs: 5000 })
      assert.deepEqual(big.error, { code: 'TOO_LARGE', message: 'the result of a.size is 11 bytes, over the callee\'s cap of 10', uri: 'a.size' })
    })

    it('an Invoke for a URI not registered here: NO_SUCH_PROCEDURE', async () => {
      const { hub } = await setup()
      const res = await hub.session.request({ invoke: { uri: 'a.gone', data: bytes(''), caller: CALLER, timeoutMs: 5000 } }, { timeoutMs: 5000 })
      assert.deepEqual(res.error, { code: 'NO_SUCH_PROCEDURE', message: 'a.gone is no longer registered at this member', uri: 'a.gone' })
    })

    it('an Interrupt aborts the handler\'s signal, and the Invoke is answered CANCELED even if the handler ignores it', async () => {
      const { member, hub } = await setup()
      const started = defer<AbortSignal>()
      await member.register('a.stuck', async (_data, ctx) => {
        started.resolve(ctx.signal)
        return await new Promise<Uint8Array>(() => {}) // ignores its signal
      })
      const invoke = hub.session.issue({ invoke: { uri: 'a.stuck', data: bytes(''), caller: CALLER, timeoutMs: 60_000 } }, { timeoutMs: 60_000 })
      const signal = await started.promise
      const ack = await hub.session.request({ interrupt: { invokeId: invoke.id } }, { timeoutMs: 5000 })
      assert.deepEqual(ack, { id: 2n })
      const res = await invoke.response
      assert.equal(res.error?.code, 'CANCELED')
      assert.equal(res.error?.message, 'the call to a.stuck was interrupted')
      assert.equal(signal.aborted, true)
      assert.equal(signal.reason.name, 'AbortError')
    })

    it('an Interrupt for an invocation that already finished is answered ok', async () => {
      const { hub } = await setup()
      const ack = await hub.session.request({ interrupt: { invokeId: 99n } }, { timeoutMs: 5000 })
      assert.equal(ack.error, undefined)
    })

    it('the Invoke\'s deadline aborts the handler with TimeoutError and answers TIMEOUT', async () => {
      const { member, hub } = await setup()
      const reason = defer<Error>()
      await member.register('a.slow', async (_data, ctx) => {
        ctx.signal.addEventListener('abort', () => { reason.resolve(ctx.signal.reason) })
        return await new Promise<Uint8Array>(() => {})
      })
      const res = await hub.session.request({ invoke: { uri: 'a.slow', data: bytes(''), caller: CALLER, timeoutMs: 1 } }, { timeoutMs: 5000 })
      assert.deepEqual(res.error, { code: 'TIMEOUT', message: 'the call to a.slow did not finish within 1 ms' })
      assert.equal((await reason.promise).name, 'TimeoutError')
    })

    it('handle() leaves requests that are not RPC to someone else', async () => {
      const member = new RpcMember()
      const ctx = { signal: new AbortController().signal }
      assert.equal(member.handle({ id: 1n, subscribe: { topic: 't' } }, ctx), undefined)
      assert.equal(member.handle({ id: 2n }, ctx), undefined)
    })
  })

  describe('call (the caller side)', () => {
    it('sends the Call with its data and deadline and returns the result', async () => {
      const { member, hub } = await setup()
      hub.answer = async (req) => ({ result: bytes(`r:${text(req.call?.data)}`) })
      assert.equal(text(await member.call('b.add', bytes('1+1'), { timeoutMs: 1234 })), 'r:1+1')
      assert.equal(hub.seen[0].call?.uri, 'b.add')
      assert.equal(hub.seen[0].call?.timeoutMs, 1234)
    })

    it('an empty result is empty bytes', async () => {
      const { member } = await setup()
      assert.deepEqual(await member.call('b.none', bytes('')), new Uint8Array(0))
    })

    it('uses the default deadline when none is given', async () => {
      const { member, hub } = await setup({ defaultTimeoutMs: 4321 })
      await member.call('b.x', bytes(''))
      assert.equal(hub.seen[0].call?.timeoutMs, 4321)
    })

    it('a Failure from the hub becomes its typed error', async () => {
      const { member, hub } = await setup()
      hub.answer = async () => ({ error: { code: 'NOT_AUTHORIZED', message: 'no', uri: 'b.x', action: 'call' } })
      await assert.rejects(member.call('b.x', bytes('')), (err: Error) => err instanceof NotAuthorizedError && err.action === 'call' && err.uri === 'b.x')
    })

    it('abort: AbortError carrying the signal\'s reason, and a Cancel naming the Call\'s id', async () => {
      const { member, hub } = await setup()
      const hold = defer<ResponseBody>()
      hub.answer = async (req) => req.call != null ? await hold.promise : {}
      const ac = new AbortController()
      const call = member.call('b.slow', bytes(''), { signal: ac.signal })
      const callReq = await hub.next(r => r.call != null)
      const why = new Error('stop now')
      ac.abort(why)
      await assert.rejects(call, (err: Error) => err instanceof AbortError && err.message === 'stop now' && err.cause === why)
      const cancel = await hub.next(r => r.cancel != null)
      assert.equal(cancel.cancel?.callId, callReq.id)
      hold.resolve({ error: { code: 'CANCELED', message: 'late' } })
    })

    it('an already aborted signal: AbortError and nothing is sent', async () => {
      const { member, hub } = await setup()
      const ac = new AbortController()
      ac.abort()
      await assert.rejects(member.call('b.x', bytes(''), { signal: ac.signal }), AbortError)
      await member.call('b.after', bytes(''))
      assert.deepEqual(hub.seen.map(r => r.call?.uri), ['b.after'])
    })

    it('the caller\'s deadline: TimeoutError and a Cancel', async () => {
      const { member, hub } = await setup()
      hub.answer = async (req) => req.call != null ? await new Promise<ResponseBody>(() => {}) : {}
      await assert.rejects(member.call('b.slow', bytes(''), { timeoutMs: 1 }), (err: Error) => err.name === 'TimeoutError' && err.message === 'the call to b.slow got no answer within 1 ms')
      const cancel = await hub.next(r => r.cancel != null)
      assert.equal(cancel.cancel?.callId, hub.seen.find(r => r.call != null)?.id)
    })

    it('data over the member\'s cap: TOO_LARGE and nothing sent', async () => {
      const { member, hub } = await setup({ maxPayloadBytes: 4 })
      await assert.rejects(member.call('b.x', bytes('12345')), (err: Error) => err instanceof RpcError && err.code === 'TOO_LARGE' && err.uri === 'b.x')
      await member.call('b.y', bytes('1234'))
      assert.deepEqual(hub.seen.map(r => r.call?.uri), ['b.y'])
    })

    it('an invalid URI: InvalidUriError for call and register, and nothing is sent', async () => {
      const { member, hub } = await setup()
      await assert.rejects(member.call('b..x', bytes('')), (err: Error) => err instanceof InvalidUriError && err.uri === 'b..x')
      await assert.rejects(member.register('', () => bytes('')), InvalidUriError)
      assert.deepEqual(hub.seen, [])
      assert.deepEqual(member.registered, [])
    })

    it('a deadline that is not a whole number of ms from 1 to 2^31-1: InvalidParametersError', async () => {
      const { member } = await setup()
      for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31]) {
        await assert.rejects(member.call('b.x', bytes(''), { timeoutMs: bad }), InvalidParametersError, String(bad))
      }
      assert.throws(() => new RpcMember({ defaultTimeoutMs: 0 }), InvalidParametersError)
    })
  })

  describe('register, unregister, attach', () => {
    it('register sends Register and keeps the handler; a local duplicate is refused without asking the hub', async () => {
      const { member, hub } = await setup()
      await member.register('c.one', () => bytes(''))
      assert.deepEqual(hub.seen.map(r => r.register?.uri), ['c.one'])
      await assert.rejects(member.register('c.one', () => bytes('')), (err: Error) => err instanceof ProcedureAlreadyRegisteredError && err.holder === 'this member')
      assert.equal(hub.seen.length, 1)
      assert.deepEqual(member.registered, ['c.one'])
    })

    it('a refused register leaves no handler behind', async () => {
      const { member, hub } = await setup()
      hub.answer = async () => ({ error: { code: 'ALREADY_REGISTERED', message: 'taken', uri: 'c.two', holder: '12D3KooWOther' } })
      await assert.rejects(member.register('c.two', () => bytes('')), (err: Error) => err instanceof ProcedureAlreadyRegisteredError && err.holder === '12D3KooWOther')
      assert.deepEqual(member.registered, [])
    })

    it('unregister sends Unregister; a hub that no longer knows the URI is not an error', async () => {
      const { member, hub } = await setup()
      await member.register('c.three', () => bytes(''))
      hub.answer = async () => ({ error: { code: 'NO_SUCH_PROCEDURE', message: 'gone', uri: 'c.three' } })
      await member.unregister('c.three')
      assert.equal(hub.seen[1].unregister?.uri, 'c.three')
      assert.deepEqual(member.registered, [])
      await assert.rejects(member.unregister('c.three'), NoSuchProcedureError)
    })

    it('unregister without a session only forgets the handler', async () => {
      const { member, memberSession, hub } = await setup()
      await member.register('c.four', () => bytes(''))
      await memberSession.close()
      await member.unregister('c.four')
      assert.deepEqual(member.registered, [])
      assert.equal(hub.seen.filter(r => r.unregister != null).length, 0)
    })

    it('the session closing detaches the member: calls fail with HubUnavailableError', async () => {
      const { member, memberSession } = await setup()
      assert.equal(member.attached, true)
      await memberSession.close()
      assert.equal(member.attached, false)
      await assert.rejects(member.call('c.x', bytes('')), HubUnavailableError)
      await assert.rejects(member.register('c.x', () => bytes('')), HubUnavailableError)
    })

    it('attach re-registers every URI on the new session, and rejects with the first refusal while keeping the handlers', async () => {
      const first = await setup()
      await first.member.register('d.a', () => bytes(''))
      await first.member.register('d.b', () => bytes(''))
      const [out, inb] = await streamPair()
      streams.push(out, inb)
      const next = new Session(out, { remotePeer: 'hub' })
      const hub2 = new ScriptedHub(new Session(inb, { remotePeer: 'member' }))
      sessions.push(next, hub2.session)
      hub2.answer = async (req) => req.register?.uri === 'd.b' ? { error: { code: 'NOT_AUTHORIZED', message: 'revoked', uri: 'd.b', action: 'register' } } : {}
      await assert.rejects(first.member.attach(next), (err: Error) => err instanceof NotAuthorizedError && err.uri === 'd.b')
      assert.deepEqual(hub2.seen.map(r => r.register?.uri).sort(), ['d.a', 'd.b'])
      assert.deepEqual(first.member.registered, ['d.a', 'd.b'])
      assert.equal(first.member.attached, true)
    })

    it('detach aborts the invocations in flight', async () => {
      const { member, hub } = await setup()
      const started = defer<AbortSignal>()
      await member.register('e.hold', async (_d, ctx) => { started.resolve(ctx.signal); return await new Promise<Uint8Array>(() => {}) })
      const invoke = hub.session.request({ invoke: { uri: 'e.hold', data: bytes(''), caller: CALLER, timeoutMs: 60_000 } }, { timeoutMs: 60_000 })
      const signal = await started.promise
      member.detach()
      assert.equal(signal.aborted, true)
      assert.equal((await invoke).error?.code, 'CANCELED')
      assert.equal(member.attached, false)
    })
  })
})
