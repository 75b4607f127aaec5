/**
 * "Which tor" is decided by planTor() alone: these are its precedence rules,
 * the ones the transport (TorSource) and the CLI (obtainTor) rely on.
 */
import assert from 'node:assert/strict'
import { InvalidEndpointError, InvalidTorOptionsError } from '../../../src/tor/errors.js'
import { planTor } from '../../../src/tor/select.js'
import type { TorHandle } from '../../../src/tor/handle.js'

const handle = { mode: 'attach', socks: { host: '127.0.0.1', port: 9050 }, description: 'a handle' } as unknown as TorHandle

describe('planTor: the one place that decides which tor', () => {
  it('1. a given handle wins over everything else', () => {
    const plan = planTor({ tor: handle, control: '9051', socks: '9050', managed: { dataDir: '/d' }, launch: 'always' })
    assert.deepEqual(plan, { kind: 'handle', handle })
  })

  it('2. SOCKS alone dials without any control connection, unless one is needed', () => {
    assert.deepEqual(planTor({ socks: '127.0.0.1:9150' }), { kind: 'socks-only', socks: { host: '127.0.0.1', port: 9150 } })
    assert.deepEqual(planTor({ socks: { host: '::1', port: 9050 } }), { kind: 'socks-only', socks: { host: '::1', port: 9050 } })
    const plan = planTor({ socks: '9150' }, { needsControl: true })
    assert.equal(plan.kind, 'attach')
  })

  it('3. endpoints attach, carrying the password and cookie file', () => {
    assert.deepEqual(planTor({ control: '9051', socks: '9050', controlPassword: 'pw', cookieFile: '/c', managed: { dataDir: '/d' } }), {
      kind: 'attach',
      attach: { control: '9051', socks: '9050', password: 'pw', cookieFile: '/c' }
    })
    assert.equal(planTor({ control: 'unix:/run/tor/control' }).kind, 'attach')
  })

  it('4. launch: always, or managed options with torrcLines (a private network), launch without trying the defaults', () => {
    assert.deepEqual(planTor({ managed: { dataDir: '/d' }, launch: 'always' }), { kind: 'managed', managed: { dataDir: '/d' } })
    const net = { dataDir: '/d', torrcLines: ['TestingTorNetwork 1'] }
    assert.deepEqual(planTor({ managed: net }), { kind: 'managed', managed: net })
  })

  it('5. otherwise try the usual ports, with the managed options as the fallback (or none)', () => {
    assert.deepEqual(planTor({ controlPassword: 'pw', managed: { dataDir: '/d' } }), {
      kind: 'auto',
      attach: { control: undefined, socks: undefined, password: 'pw', cookieFile: undefined },
      managed: { dataDir: '/d' }
    })
    assert.deepEqual(planTor({}), { kind: 'auto', attach: { control: undefined, socks: undefined, password: undefined, cookieFile: undefined }, managed: undefined })
    assert.equal(planTor({ managed: { dataDir: '/d', torrcLines: [] } }).kind, 'auto')
  })

  it('refuses contradictions with InvalidTorOptionsError, and bad SOCKS text with InvalidEndpointError', () => {
    assert.throws(() => planTor({ launch: 'always', control: '9051', managed: { dataDir: '/d' } }), InvalidTorOptionsError)
    assert.throws(() => planTor({ launch: 'always', socks: '9050', managed: { dataDir: '/d' } }), InvalidTorOptionsError)
    assert.throws(() => planTor({ launch: 'always' }), (err: Error) => err instanceof InvalidTorOptionsError && /managed/.test(err.message))
    assert.throws(() => planTor({ socks: '127.0.0.1:70000' }), (err: Error) => err instanceof InvalidEndpointError && /1 to 65535/.test(err.message))
  })
})
