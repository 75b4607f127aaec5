/**
 * Reference-counted event subscriptions and the one upload wait, against
 * the scripted fake control port: the exact SETEVENTS lines are asserted.
 */
import assert from 'node:assert/strict'
import { ControlClient } from '../../../src/control/client.js'
import { InvalidControlArgumentError, UploadFailedError, UploadTimeoutError, UploadWaitClosedError } from '../../../src/control/errors.js'
import { watchUploads } from '../../../src/control/uploads.js'
import type { HsDescEvent } from '../../../src/control/events.js'
import * as cap from '../../unit/control/captured.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'

const OTHER = 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd'
const upload = (dir: string): string => `650 HS_DESC UPLOAD ${cap.HS_ADDR} UNKNOWN ${dir} ${cap.BLINDED}\r\n`
const failed = (dir: string): string => `650 HS_DESC FAILED ${cap.HS_ADDR} NO_AUTH ${dir} ${cap.BLINDED} REASON=UPLOAD_REJECTED\r\n`

describe('control client: reference-counted subscribe() and watchUploads()', () => {
  let fake: FakeTorControl
  let client: ControlClient | undefined

  beforeEach(async () => { fake = await FakeTorControl.start() })
  afterEach(async () => {
    await client?.close()
    client = undefined
    await fake.close()
  })

  async function connect (): Promise<ControlClient> {
    client = await ControlClient.connect(fake.endpoint)
    return client
  }

  it('sends SETEVENTS only when the union changes, and keeps each user\'s events when another leaves', async () => {
    fake.script(
      ['SETEVENTS HS_DESC', cap.OK],
      ['SETEVENTS HS_DESC STATUS_CLIENT', cap.OK],
      ['SETEVENTS STATUS_CLIENT', cap.OK],
      ['SETEVENTS', cap.OK]
    )
    const c = await connect()
    const a = await c.subscribe('HS_DESC')
    const b = await c.subscribe('HS_DESC') // a second user of HS_DESC: nothing sent
    const s = await c.subscribe('STATUS_CLIENT')
    assert.deepEqual(c.events, ['HS_DESC', 'STATUS_CLIENT'])
    await a()
    assert.deepEqual(c.events, ['HS_DESC', 'STATUS_CLIENT'], 'b still holds HS_DESC')
    await a() // unsubscribing twice is harmless and sends nothing
    await b()
    assert.deepEqual(c.events, ['STATUS_CLIENT'])
    await s()
    assert.deepEqual(c.events, [])
    assert.deepEqual(fake.lines, ['SETEVENTS HS_DESC', 'SETEVENTS HS_DESC STATUS_CLIENT', 'SETEVENTS STATUS_CLIENT', 'SETEVENTS'])
    assert.deepEqual(fake.unexpected, [])
  })

  it('keeps the setEvents() base set in every SETEVENTS it sends', async () => {
    fake.script(['SETEVENTS CIRC', cap.OK], ['SETEVENTS CIRC HS_DESC', cap.OK], ['SETEVENTS CIRC', cap.OK])
    const c = await connect()
    await c.setEvents(['CIRC'])
    const off = await c.subscribe('HS_DESC')
    await off()
    assert.deepEqual(fake.lines, ['SETEVENTS CIRC', 'SETEVENTS CIRC HS_DESC', 'SETEVENTS CIRC'])
  })

  it('delivers parsed HS_DESC to typed handlers, raw replies for other names, to each subscriber', async () => {
    fake.script(['SETEVENTS HS_DESC', cap.OK], ['SETEVENTS HS_DESC CIRC', cap.OK])
    const c = await connect()
    const first: HsDescEvent[] = []
    const second: HsDescEvent[] = []
    const circ: string[] = []
    await c.subscribe('HS_DESC', e => first.push(e))
    await c.subscribe('HS_DESC', e => second.push(e))
    await c.subscribe('CIRC', r => circ.push(r.lines[0].text))
    fake.push(cap.HS_DESC_UPLOAD + '650 CIRC 1 LAUNCHED\r\n' + cap.HS_DESC_UPLOADED)
    await new Promise(resolve => setTimeout(resolve, 50))
    assert.deepEqual(first.map(e => e.action), ['UPLOAD', 'UPLOADED'])
    assert.deepEqual(second.map(e => e.action), ['UPLOAD', 'UPLOADED'])
    assert.deepEqual(circ, ['CIRC 1 LAUNCHED'])
  })

  it('refuses event names that could inject a command, before sending anything', async () => {
    const c = await connect()
    for (const bad of ['HS_DESC\r\nSIGNAL HALT', 'hs_desc', '', 'HS DESC']) {
      await assert.rejects(c.subscribe(bad), InvalidControlArgumentError, JSON.stringify(bad))
    }
    assert.deepEqual(fake.lines, [])
  })

  it('a refused SETEVENTS rejects subscribe() and leaves the set as it was', async () => {
    fake.script(['SETEVENTS NOPE', cap.UNRECOGNIZED_EVENT], ['SETEVENTS HS_DESC', cap.OK])
    const c = await connect()
    await assert.rejects(c.subscribe('NOPE'), { status: 552 })
    assert.deepEqual(c.events, [])
    await c.subscribe('HS_DESC')
    assert.deepEqual(fake.lines, ['SETEVENTS NOPE', 'SETEVENTS HS_DESC'])
  })

  describe('watchUploads().waitForUpload', () => {
    it('resolves at the first UPLOADED, even one that arrived in the same read as the ADD_ONION reply', async () => {
      fake.script(['SETEVENTS HS_DESC', cap.OK], [/^ADD_ONION /, cap.ADD_ONION_DISCARD_PK.replace(/ServiceID=\w+/, `ServiceID=${cap.HS_ADDR}`) + cap.HS_DESC_UPLOAD + cap.HS_DESC_UPLOADED], ['SETEVENTS', cap.OK])
      const c = await connect()
      const watch = await watchUploads(c)
      const { serviceId } = await c.addOnion({ ports: [{ virtualPort: 80 }], flags: ['DiscardPK'] })
      assert.equal(serviceId, cap.HS_ADDR)
      await watch.waitForUpload(serviceId, { timeoutMs: 5000 })
      await watch.stop()
      assert.deepEqual(fake.unexpected, [])
      assert.deepEqual(c.events, [])
    })

    it('ignores other services and other actions', async () => {
      fake.script(['SETEVENTS HS_DESC', cap.OK])
      const c = await connect()
      const watch = await watchUploads(c)
      const waiting = watch.waitForUpload(cap.HS_ADDR, { timeoutMs: 5000 })
      let done = false
      void waiting.then(() => { done = true })
      fake.push(`650 HS_DESC UPLOADED ${OTHER} UNKNOWN ${cap.HSDIR}\r\n` + cap.HS_DESC_CREATED + cap.HS_DESC_UPLOAD)
      await new Promise(resolve => setTimeout(resolve, 50))
      assert.equal(done, false)
      fake.push(cap.HS_DESC_UPLOADED)
      await waiting
    })

    it('rejects with UploadFailedError once every started upload FAILED, naming the reasons', async () => {
      fake.script(['SETEVENTS HS_DESC', cap.OK])
      const c = await connect()
      const watch = await watchUploads(c)
      const waiting = watch.waitForUpload(cap.HS_ADDR, { timeoutMs: 5000 })
      fake.push(upload('$A~a') + upload('$B~b') + failed('$A~a'))
      await new Promise(resolve => setTimeout(resolve, 30))
      fake.push(failed('$B~b'))
      await assert.rejects(waiting, (err: UploadFailedError) => err instanceof UploadFailedError && err.serviceId === cap.HS_ADDR &&
        err.reasons.length === 2 && /UPLOAD_REJECTED/.test(err.message))
    })

    it('rejects with UploadTimeoutError after timeoutMs, and with the abort reason on abort', async () => {
      fake.script(['SETEVENTS HS_DESC', cap.OK])
      const c = await connect()
      const watch = await watchUploads(c)
      await assert.rejects(watch.waitForUpload(cap.HS_ADDR, { timeoutMs: 20 }), (err: UploadTimeoutError) => err instanceof UploadTimeoutError && err.timeoutMs === 20)
      const ac = new AbortController()
      const waiting = watch.waitForUpload(cap.HS_ADDR, { signal: ac.signal, timeoutMs: 5000 })
      const reason = new Error('stop now')
      ac.abort(reason)
      await assert.rejects(waiting, (err: Error) => err === reason)
    })

    it('rejects with UploadWaitClosedError when the control connection closes', async () => {
      fake.script(['SETEVENTS HS_DESC', cap.OK])
      const c = await connect()
      const watch = await watchUploads(c)
      const waiting = watch.waitForUpload(cap.HS_ADDR, { timeoutMs: 5000 })
      await fake.close()
      await assert.rejects(waiting, UploadWaitClosedError)
      await watch.stop()
    })
  })
})
