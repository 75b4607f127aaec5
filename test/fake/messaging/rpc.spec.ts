import assert from 'node:assert/strict'
import { AbortError, TimeoutError } from '@libp2p/interface'
import { HubUnavailableError, NoSuchProcedureError, NotAuthorizedError, ProcedureAlreadyRegisteredError, RpcError } from '../../../src/messaging/errors.js'
import { RpcMember } from '../../../src/messaging/rpc-member.js'
import { TestHub, TestMember } from './rpc-harness.js'
import type { ProcedureContext } from '../../../src/messaging/rpc-member.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

/** A promise and its resolver, for ordering steps without timers. */
function defer<T = void> (): { promise: Promise<T>, resolve: (v: T) => void } {
  let resolve!: (v: T) => void
  const promise = new Promise<T>(r => { resolve = r })
  return { promise, resolve }
}

/** A handler that reports each start and each abort of its signal, and never answers by itself. */
function hanging (): { handler: (data: Uint8Array, ctx: ProcedureContext) => Promise<Uint8Array>, started: Promise<ProcedureContext>, aborted: Promise<unknown> } {
  const started = defer<ProcedureContext>()
  const aborted = defer<unknown>()
  return {
    started: started.promise,
    aborted: aborted.promise,
    handler: async (_data, ctx) => {
      ctx.signal.addEventListener('abort', () => { aborted.resolve(ctx.signal.reason) }, { once: true })
      started.resolve(ctx)
      return await new Promise<Uint8Array>(() => {})
    }
  }
}

describe('routed RPC through a hub (three libp2p nodes on 127.0.0.1 TCP)', function () {
  this.timeout(20_000)
  let hub: TestHub
  let callee: TestMember
  let caller: TestMember

  beforeEach(async () => {
    hub = await TestHub.start()
    callee = await TestMember.start()
    caller = await TestMember.start()
    for (const uri of ['rpc.echo', 'rpc.fail', 'rpc.hang', 'rpc.big']) {
      hub.grant(callee.peerId, 'register', uri)
      hub.grant(caller.peerId, 'call', uri)
    }
    await callee.connect(hub)
    await caller.connect(hub)
    await callee.rpc.register('rpc.echo', async (data, ctx) => bytes(`echo:${text(data)} from ${ctx.caller} on ${ctx.uri}`))
  })

  afterEach(async () => {
    await Promise.all([caller?.stop(), callee?.stop()])
    await hub?.stop()
  })

  it('a call returns the callee\'s result, and the callee sees the caller\'s PeerId and the URI', async () => {
    const out = await caller.rpc.call('rpc.echo', bytes('hello'))
    assert.equal(text(out), `echo:hello from ${caller.peerId} on rpc.echo`)
    assert.equal(hub.dealer.holderOf('rpc.echo'), callee.peerId)
  })

  it('the handler\'s error reaches the caller as RpcError CALLEE_ERROR with the URI and one line, no stack', async () => {
    await callee.rpc.register('rpc.fail', () => {
      const err = new Error('the database is down\n    at query (/srv/secret/db.js:10:5)')
      throw err
    })
    await assert.rejects(caller.rpc.call('rpc.fail', bytes('x')), (err: Error) => {
      assert.ok(err instanceof RpcError)
      assert.equal(err.code, 'CALLEE_ERROR')
      assert.equal(err.uri, 'rpc.fail')
      assert.equal(err.message, 'the database is down')
      assert.ok(!String(err.stack).includes('/srv/secret'), 'the callee\'s stack must not travel')
      return true
    })
  })

  it('the caller\'s deadline: TimeoutError for the caller, and the callee\'s handler signal aborts', async () => {
    const h = hanging()
    await callee.rpc.register('rpc.hang', h.handler)
    await assert.rejects(caller.rpc.call('rpc.hang', bytes('x'), { timeoutMs: 300 }), (err: Error) => {
      assert.ok(err instanceof TimeoutError)
      assert.equal(err.message, 'the call to rpc.hang got no answer within 300 ms')
      return true
    })
    const reason = await h.aborted as Error
    // the Cancel's Interrupt or the Invoke's own 300 ms deadline, whichever the callee sees first
    assert.ok(['AbortError', 'TimeoutError'].includes(reason.name), reason.name)
  })

  it('the hub\'s deadline (shorter than the caller\'s): TIMEOUT reaches the caller as TimeoutError, and the callee\'s signal aborts', async () => {
    hub.limits.callTimeoutMs = 200
    const h = hanging()
    await callee.rpc.register('rpc.hang', h.handler)
    const seen = await Promise.all([
      assert.rejects(caller.rpc.call('rpc.hang', bytes('x'), { timeoutMs: 30_000 }), (err: Error) => {
        assert.ok(err instanceof TimeoutError)
        assert.equal(err.message, 'the call to rpc.hang did not finish within 200 ms (the hub\'s deadline)')
        return true
      }),
      h.started.then(ctx => ctx.signal)
    ])
    const reason = await h.aborted as Error
    assert.ok(seen[1].aborted)
    assert.ok(['AbortError', 'TimeoutError'].includes(reason.name), reason.name)
  })

  it('the caller\'s abort reaches the callee\'s handler signal as an Interrupt', async () => {
    const h = hanging()
    await callee.rpc.register('rpc.hang', h.handler)
    const ac = new AbortController()
    const call = caller.rpc.call('rpc.hang', bytes('x'), { signal: ac.signal, timeoutMs: 30_000 })
    await h.started
    const why = new Error('the user pressed ctrl-c')
    ac.abort(why)
    await assert.rejects(call, (err: Error) => {
      assert.ok(err instanceof AbortError)
      assert.equal(err.message, 'the user pressed ctrl-c')
      assert.equal(err.cause, why)
      return true
    })
    const reason = await h.aborted as Error
    assert.equal(reason.name, 'AbortError')
    assert.equal(reason.message, 'the hub interrupted the call: the caller canceled it or the hub\'s deadline passed')
  })

  it('50 concurrent calls all return their own result', async () => {
    const n = 50
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => text(await caller.rpc.call('rpc.echo', bytes(`payload-${i}`)))))
    assert.deepEqual(results, Array.from({ length: n }, (_, i) => `echo:payload-${i} from ${caller.peerId} on rpc.echo`))
  })

  it('TOO_MANY_CALLS past the per-peer cap of 4; the four in flight still complete', async () => {
    hub.limits.maxInflightCallsPerPeer = 4
    const release = defer()
    let started = 0
    const fourStarted = defer()
    await callee.rpc.register('rpc.hang', async (data) => {
      if (++started === 4) fourStarted.resolve()
      await release.promise
      return data
    })
    const four = Array.from({ length: 4 }, async (_, i) => text(await caller.rpc.call('rpc.hang', bytes(`c${i}`))))
    await fourStarted.promise
    await assert.rejects(caller.rpc.call('rpc.hang', bytes('fifth')), (err: Error) => {
      assert.ok(err instanceof RpcError)
      assert.equal(err.code, 'TOO_MANY_CALLS')
      assert.equal(err.uri, 'rpc.hang')
      assert.equal(err.message, '4 calls from this peer are already in flight, the hub\'s cap; wait for some to finish')
      return true
    })
    release.resolve()
    assert.deepEqual(await Promise.all(four), ['c0', 'c1', 'c2', 'c3'])
    assert.equal(started, 4, 'the refused call never reached the callee')
    // and the slots are free again
    assert.equal(text(await caller.rpc.call('rpc.hang', bytes('again'))), 'again')
  })

  it('TOO_LARGE past the hub\'s payload cap; exactly the cap goes through', async () => {
    hub.limits.maxPayloadBytes = 1000
    await callee.rpc.register('rpc.big', (data) => bytes(String(data.byteLength)))
    assert.equal(text(await caller.rpc.call('rpc.big', new Uint8Array(1000))), '1000')
    await assert.rejects(caller.rpc.call('rpc.big', new Uint8Array(1001)), (err: Error) => {
      assert.ok(err instanceof RpcError)
      assert.equal(err.code, 'TOO_LARGE')
      assert.equal(err.uri, 'rpc.big')
      assert.equal(err.message, 'the call\'s data is 1001 bytes, over the hub\'s cap of 1000; send less')
      return true
    })
  })

  it('a second registration of a URI is refused with ALREADY_REGISTERED naming the holder', async () => {
    hub.grant(caller.peerId, 'register', 'rpc.echo')
    await assert.rejects(caller.rpc.register('rpc.echo', () => bytes('impostor')), (err: Error) => {
      assert.ok(err instanceof ProcedureAlreadyRegisteredError)
      assert.equal(err.uri, 'rpc.echo')
      assert.equal(err.holder, callee.peerId)
      assert.ok(err.message.includes(callee.peerId), err.message)
      return true
    })
    assert.deepEqual(caller.rpc.registered, [], 'the refused handler is not kept')
    assert.equal(text(await caller.rpc.call('rpc.echo', bytes('still'))), `echo:still from ${caller.peerId} on rpc.echo`)
  })

  it('NOT_AUTHORIZED for a call without the call right, naming the URI and the action', async () => {
    hub.grant(callee.peerId, 'register', 'rpc.secret')
    await callee.rpc.register('rpc.secret', () => bytes('secret'))
    await assert.rejects(caller.rpc.call('rpc.secret', bytes('x')), (err: Error) => {
      assert.ok(err instanceof NotAuthorizedError)
      assert.equal(err.uri, 'rpc.secret')
      assert.equal(err.action, 'call')
      assert.match(err.message, /^not authorized to call on rpc\.secret: /)
      return true
    })
  })

  it('NOT_AUTHORIZED for a register without the register right, naming the URI and the action', async () => {
    await assert.rejects(caller.rpc.register('rpc.mine', () => bytes('x')), (err: Error) => {
      assert.ok(err instanceof NotAuthorizedError)
      assert.equal(err.uri, 'rpc.mine')
      assert.equal(err.action, 'register')
      return true
    })
    assert.equal(hub.dealer.holderOf('rpc.mine'), undefined)
  })

  it('a callee that disconnects fails its in-flight calls at once with CALLEE_GONE, not at the timeout', async () => {
    const h = hanging()
    await callee.rpc.register('rpc.hang', h.handler)
    const call = caller.rpc.call('rpc.hang', bytes('x'), { timeoutMs: 30_000 })
    await h.started
    let timer: ReturnType<typeof setTimeout> | undefined
    const sentinel = new Promise<string>(resolve => { timer = setTimeout(() => { resolve('the 30 s sentinel fired first') }, 30_000) })
    await callee.node.hangUp(hub.node.peerId)
    const outcome = await Promise.race([call.then(() => 'resolved', (err: Error) => err), sentinel])
    clearTimeout(timer)
    assert.ok(outcome instanceof RpcError, String(outcome))
    assert.equal(outcome.code, 'CALLEE_GONE')
    assert.equal(outcome.uri, 'rpc.hang')
    assert.equal(hub.dealer.holderOf('rpc.hang'), undefined, 'its registrations went with it')
    assert.equal(hub.dealer.holderOf('rpc.echo'), undefined)
  })

  it('NO_SUCH_PROCEDURE after the callee unregisters', async () => {
    assert.equal(text(await caller.rpc.call('rpc.echo', bytes('a'))), `echo:a from ${caller.peerId} on rpc.echo`)
    await callee.rpc.unregister('rpc.echo')
    assert.equal(hub.dealer.holderOf('rpc.echo'), undefined)
    await assert.rejects(caller.rpc.call('rpc.echo', bytes('b')), (err: Error) => {
      assert.ok(err instanceof NoSuchProcedureError)
      assert.equal(err.uri, 'rpc.echo')
      return true
    })
    await assert.rejects(callee.rpc.unregister('rpc.echo'), NoSuchProcedureError)
  })

  it('re-attaching on a new session (after a reconnect) registers every URI again', async () => {
    await callee.rpc.register('rpc.fail', () => { throw new Error('nope') })
    const old = callee.session
    await callee.node.hangUp(hub.node.peerId)
    assert.equal(await old?.closed, undefined)
    assert.equal(callee.rpc.attached, false)
    await assert.rejects(caller.rpc.call('rpc.echo', bytes('meanwhile')), NoSuchProcedureError)
    await callee.connect(hub)
    assert.equal(callee.rpc.attached, true)
    assert.deepEqual(callee.rpc.registered.sort(), ['rpc.echo', 'rpc.fail'])
    assert.equal(hub.dealer.holderOf('rpc.echo'), callee.peerId)
    assert.equal(hub.dealer.holderOf('rpc.fail'), callee.peerId)
    assert.equal(text(await caller.rpc.call('rpc.echo', bytes('back'))), `echo:back from ${caller.peerId} on rpc.echo`)
  })

  it('a new session from the same peer supersedes the old one, and the re-registration takes over', async () => {
    const old = callee.session
    await callee.connect(hub)
    assert.ok((await old?.closed) instanceof Error, 'the hub aborted the superseded session')
    assert.equal(text(await caller.rpc.call('rpc.echo', bytes('new'))), `echo:new from ${caller.peerId} on rpc.echo`)
  })

  it('without the hub\'s session: HubUnavailableError for call and register', async () => {
    const lone = new RpcMember()
    await assert.rejects(lone.call('rpc.echo', bytes('x')), HubUnavailableError)
    await assert.rejects(lone.register('rpc.x', () => bytes('x')), HubUnavailableError)
    assert.deepEqual(lone.registered, [])
  })
})
