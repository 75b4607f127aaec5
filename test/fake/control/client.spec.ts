import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ControlClient } from '../../../src/control/client.js'
import {
  ControlAuthError, ControlConnectionClosedError, ControlProtocolError, ControlReplyError, ControlUnreachableError, CookieFileError,
  InvalidControlArgumentError, NoUsableAuthMethodError, ReplyTooLargeError, ServerHashMismatchError, WrongPasswordError
} from '../../../src/control/errors.js'
import type { HsDescEvent, StatusClientEvent } from '../../../src/control/events.js'
import type { ControlReply } from '../../../src/control/parser.js'
import * as cap from '../../unit/control/captured.js'
import { FakeTorControl } from '../../fixtures/fake-control.js'

const COOKIE = Buffer.from(cap.SAFECOOKIE_VECTOR.cookieHex, 'hex')
const SERVER_NONCE = Buffer.from(cap.SAFECOOKIE_VECTOR.serverNonceHex, 'hex')
const ID = 'jt4grrjwzyz3pjkylwfau5xnjaj23vxmhskqaeyfhrfylelw4hvxcuyd'
const PRIV = 'iJ1tjKCrMAbiFT2bVrCjhbfMDnE1fpaRbIS5ZHKUvEQ='

function protocolInfo (methods: string, cookieFile?: string): string {
  return '250-PROTOCOLINFO 1\r\n' +
    `250-AUTH METHODS=${methods}${cookieFile != null ? ` COOKIEFILE="${cookieFile}"` : ''}\r\n` +
    '250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n'
}

function hmac (key: string, clientNonceHex: string): string {
  return createHmac('sha256', key).update(Buffer.concat([COOKIE, Buffer.from(clientNonceHex, 'hex'), SERVER_NONCE])).digest('hex')
}

/** What a real tor answers to AUTHCHALLENGE: its hash over our nonce (or a wrong one). */
function challengeReply (correct: boolean) {
  return (line: string): string => {
    const nonce = line.split(' ')[2]
    const hash = correct ? hmac('Tor safe cookie authentication server-to-controller hash', nonce) : 'ab'.repeat(32)
    return `250 AUTHCHALLENGE SERVERHASH=${hash.toUpperCase()} SERVERNONCE=${SERVER_NONCE.toString('hex').toUpperCase()}\r\n`
  }
}

describe('control client against a fake control port', () => {
  let dir: string
  let cookiePath: string
  let fake: FakeTorControl
  let client: ControlClient | undefined

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p2p-tor-fake-control-'))
    cookiePath = join(dir, 'control_auth_cookie')
    await writeFile(cookiePath, COOKIE)
  })

  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  beforeEach(async () => {
    fake = await FakeTorControl.start()
  })

  afterEach(async () => {
    await client?.close()
    client = undefined
    await fake.close()
  })

  async function connect (opts?: { maxReplyBytes?: number }): Promise<ControlClient> {
    client = await ControlClient.connect(fake.endpoint, opts)
    return client
  }

  describe('authentication', () => {
    it('SAFECOOKIE: verifies the server hash and sends the controller hash', async () => {
      let nonce = ''
      fake.script(
        ['PROTOCOLINFO 1', protocolInfo('COOKIE,SAFECOOKIE', cookiePath)],
        [/^AUTHCHALLENGE SAFECOOKIE [0-9a-f]{64}$/, line => { nonce = line.split(' ')[2]; return challengeReply(true)(line) }],
        [/^AUTHENTICATE [0-9a-f]{64}$/, cap.OK]
      )
      const c = await connect()
      assert.deepEqual(await c.authenticate(), { method: 'SAFECOOKIE' })
      assert.equal(fake.received,
        `PROTOCOLINFO 1\r\nAUTHCHALLENGE SAFECOOKIE ${nonce}\r\n` +
        `AUTHENTICATE ${hmac('Tor safe cookie authentication controller-to-server hash', nonce)}\r\n`)
      assert.deepEqual(fake.unexpected, [])
    })

    it('SAFECOOKIE: a wrong server hash fails before AUTHENTICATE and drops the connection', async () => {
      fake.script(['PROTOCOLINFO 1', protocolInfo('SAFECOOKIE', cookiePath)], [/^AUTHCHALLENGE /, challengeReply(false)])
      const c = await connect()
      const closed = new Promise<Error | undefined>(resolve => c.once('close', resolve))
      await assert.rejects(c.authenticate(), ServerHashMismatchError)
      assert.ok((await closed) instanceof ServerHashMismatchError)
      assert.equal(c.closed, true)
      assert.deepEqual(fake.lines.map(l => l.split(' ')[0]), ['PROTOCOLINFO', 'AUTHCHALLENGE'])
    })

    it('COOKIE: sends the cookie as hex', async () => {
      fake.script(['PROTOCOLINFO 1', protocolInfo('COOKIE', cookiePath)], [`AUTHENTICATE ${COOKIE.toString('hex')}`, cap.OK])
      const c = await connect()
      assert.deepEqual(await c.authenticate(), { method: 'COOKIE' })
      assert.equal(fake.remaining, 0)
    })

    it('HASHEDPASSWORD: sends the password quoted and escaped', async () => {
      fake.script(['PROTOCOLINFO 1', cap.PROTOCOLINFO_ALL.replace('COOKIE,SAFECOOKIE,', '')], ['AUTHENTICATE "p\\"a\\\\ss w"', cap.OK])
      const c = await connect()
      assert.deepEqual(await c.authenticate({ password: 'p"a\\ss w' }), { method: 'HASHEDPASSWORD' })
      assert.equal(fake.received, 'PROTOCOLINFO 1\r\nAUTHENTICATE "p\\"a\\\\ss w"\r\n')
    })

    it('HASHEDPASSWORD: 515 is a WrongPasswordError that does not contain the password', async () => {
      fake.script(['PROTOCOLINFO 1', protocolInfo('HASHEDPASSWORD')], ['AUTHENTICATE "hunter2"', cap.WRONG_PASSWORD])
      const c = await connect()
      await assert.rejects(c.authenticate({ password: 'hunter2' }), (err: Error) =>
        err instanceof WrongPasswordError && err instanceof ControlAuthError && !err.message.includes('hunter2') &&
        err.cause instanceof ControlReplyError && err.cause.status === 515)
    })

    it('NULL: sends a bare AUTHENTICATE', async () => {
      fake.script(['PROTOCOLINFO 1', cap.PROTOCOLINFO_NULL], ['AUTHENTICATE', cap.OK])
      const c = await connect()
      assert.deepEqual(await c.authenticate(), { method: 'NULL' })
    })

    it('an unreadable cookie file is a CookieFileError naming the path, and nothing more is sent', async () => {
      const missing = join(dir, 'no-such-cookie')
      fake.script(['PROTOCOLINFO 1', protocolInfo('COOKIE,SAFECOOKIE', missing)])
      const c = await connect()
      await assert.rejects(c.authenticate(), (err: Error) => err instanceof CookieFileError && err.path === missing)
      assert.equal(fake.received, 'PROTOCOLINFO 1\r\n')
      assert.equal(c.closed, false)
    })

    it('no usable method is a NoUsableAuthMethodError, and PROTOCOLINFO is sent only once', async () => {
      fake.script(['PROTOCOLINFO 1', protocolInfo('HASHEDPASSWORD')], ['AUTHENTICATE "late"', cap.OK])
      const c = await connect()
      await assert.rejects(c.authenticate(), (err: Error) => err instanceof NoUsableAuthMethodError && err.offered.join() === 'HASHEDPASSWORD')
      // tor allows one PROTOCOLINFO before authenticating: the retry reuses it
      assert.deepEqual(await c.authenticate({ password: 'late' }), { method: 'HASHEDPASSWORD' })
      assert.deepEqual(fake.lines, ['PROTOCOLINFO 1', 'AUTHENTICATE "late"'])
    })
  })

  describe('commands', () => {
    it('answers commands in FIFO order while 650 events interleave, even inside a reply', async () => {
      fake.script(
        ['GETINFO version onions/current', null],
        ['SETEVENTS HS_DESC STATUS_CLIENT', null],
        ['ADD_ONION NEW:ED25519-V3 Port=80,127.0.0.1:8080', null]
      )
      const c = await connect()
      const events: ControlReply[] = []
      const hsDesc: HsDescEvent[] = []
      const status: StatusClientEvent[] = []
      c.on('event', e => events.push(e))
      c.on('hs_desc', e => hsDesc.push(e))
      c.on('status_client', e => status.push(e))

      const info = c.getInfo(['version', 'onions/current'])
      const events1 = c.setEvents(['HS_DESC', 'STATUS_CLIENT'])
      const added = c.addOnion({ ports: [{ virtualPort: 80, target: { host: '127.0.0.1', port: 8080 } }] })
      await fake.waitForLines(3)
      fake.push(cap.STATUS_CLIENT_NOTICE + '250-version=0.4.9.11\r\n' + cap.HS_DESC_UPLOAD + cap.GETINFO_ONIONS_DATA_BLOCK)
      fake.push(cap.HS_DESC_UPLOADED + cap.OK + '250-ServiceID=e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd\r\n')
      fake.push(cap.STATUS_CLIENT_WARN + '250 OK\r\n')

      assert.deepEqual(await info, {
        version: '0.4.9.11',
        'onions/current': 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd\nskpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad'
      })
      await events1
      assert.deepEqual(c.events, ['HS_DESC', 'STATUS_CLIENT'])
      assert.deepEqual(await added, { serviceId: 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd' })
      assert.equal(events.length, 4)
      assert.deepEqual(hsDesc.map(e => e.action), ['UPLOAD', 'UPLOADED'])
      assert.deepEqual(status.map(e => e.severity), ['NOTICE', 'WARN'])
      assert.deepEqual(fake.unexpected, [])
    })

    it('parses ADD_ONION with a private key, and DiscardPK without', async () => {
      fake.script(
        ['ADD_ONION NEW:ED25519-V3 Port=80', cap.ADD_ONION_NEW],
        ['ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=81,127.0.0.1:9', cap.ADD_ONION_DISCARD_PK]
      )
      const c = await connect()
      assert.deepEqual(await c.addOnion({ ports: [{ virtualPort: 80 }] }), {
        serviceId: 'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd',
        privateKey: 'ED25519-V3:gBaXlMi2V/GiTFLL3rdcULmI7p+PPm33LthDz1oc4FIe3AbLzSMjNrsoemnEjw7icr4eFcw3+jdg8HgjmHKttQ=='
      })
      assert.deepEqual(await c.addOnion({ flags: ['DiscardPK'], ports: [{ virtualPort: 81, target: { host: '127.0.0.1', port: 9 } }] }),
        { serviceId: 'skpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad' })
    })

    it('rejects an ADD_ONION reply without a valid ServiceID', async () => {
      fake.script(['ADD_ONION NEW:ED25519-V3 Port=80', '250-ServiceID=NOT-AN-ID\r\n250 OK\r\n'])
      const c = await connect()
      await assert.rejects(c.addOnion({ ports: [{ virtualPort: 80 }] }), ControlProtocolError)
    })

    it('maps error statuses to ControlReplyError with the verb only', async () => {
      fake.script(
        [/^ADD_ONION ED25519-V3:/, cap.ADD_ONION_COLLISION],
        [`DEL_ONION ${ID}`, `552 Unknown Onion Service id "${ID}"\r\n`],
        ['GETINFO nosuchkey', cap.UNRECOGNIZED_KEY],
        ['SETEVENTS NOPE', cap.UNRECOGNIZED_EVENT],
        ['SIGNAL NEWNYM', '512 Bad arguments\r\n']
      )
      const c = await connect()
      const key = `ED25519-V3:${Buffer.alloc(64, 1).toString('base64')}`
      await assert.rejects(c.addOnion({ key, ports: [{ virtualPort: 80 }] }), (err: Error) =>
        err instanceof ControlReplyError && err.status === 550 && err.command === 'ADD_ONION' &&
        /Onion address collision/.test(err.message) && !err.message.includes(key.slice(11)))
      await assert.rejects(c.delOnion(ID), (err: Error) => err instanceof ControlReplyError && err.status === 552 && err.command === 'DEL_ONION' && /unrecognized entity/.test(err.message))
      await assert.rejects(c.getInfo('nosuchkey'), { name: 'ControlReplyError', status: 552, command: 'GETINFO' })
      await assert.rejects(c.setEvents(['NOPE']), { status: 552, command: 'SETEVENTS' })
      assert.deepEqual(c.events, [])
      await assert.rejects(c.signal('NEWNYM'), (err: Error) => err instanceof ControlReplyError && err.status === 512 && /syntax/.test(err.message))
    })

    it('redacts a key that tor echoes back in an error', async () => {
      fake.script([`ONION_CLIENT_AUTH_ADD ${ID} x25519:${PRIV}`, `553 Invalid private key "${PRIV}"\r\n`])
      const c = await connect()
      await assert.rejects(c.onionClientAuthAdd(ID, PRIV), (err: Error) =>
        err instanceof ControlReplyError && err.status === 553 && !err.message.includes(PRIV) && !err.text.includes(PRIV) && err.text.includes('[redacted]'))
    })

    it('treats every 2xx as success (251 from ONION_CLIENT_AUTH_*)', async () => {
      fake.script(
        [`ONION_CLIENT_AUTH_ADD ${ID} x25519:${PRIV} ClientName=bob Flags=Permanent`, cap.CLIENT_AUTH_REPLACED],
        [`ONION_CLIENT_AUTH_REMOVE ${ID}`, `251 No credentials for "${ID}"\r\n`]
      )
      const c = await connect()
      await c.onionClientAuthAdd(ID, PRIV, { nickname: 'bob', permanent: true })
      await c.onionClientAuthRemove(ID)
      assert.equal(fake.remaining, 0)
    })

    it('sends TAKEOWNERSHIP, RESETCONF, SETCONF, SIGNAL and DEL_ONION byte for byte', async () => {
      fake.script(
        ['TAKEOWNERSHIP', cap.OK], ['RESETCONF __OwningControllerProcess', cap.OK],
        ['SETCONF ContactInfo="a \\"b\\""', cap.OK], ['SIGNAL HEARTBEAT', cap.OK], [`DEL_ONION ${ID}`, cap.OK]
      )
      const c = await connect()
      await c.takeOwnership()
      await c.resetConf(['__OwningControllerProcess'])
      await c.setConf({ ContactInfo: 'a "b"' })
      await c.signal('HEARTBEAT')
      await c.delOnion(ID)
      assert.equal(fake.received, `TAKEOWNERSHIP\r\nRESETCONF __OwningControllerProcess\r\nSETCONF ContactInfo="a \\"b\\""\r\nSIGNAL HEARTBEAT\r\nDEL_ONION ${ID}\r\n`)
    })

    it('injection attempts throw and leave the socket untouched', async () => {
      fake.script(['GETINFO version', '250-version=0.4.9.11\r\n250 OK\r\n'])
      const c = await connect()
      const attempts: Array<() => Promise<unknown>> = [
        async () => c.delOnion(`${ID}\r\nSIGNAL HALT`),
        async () => c.addOnion({ key: `ED25519-V3:x\r\nSIGNAL HALT`, ports: [{ virtualPort: 80 }] }),
        async () => c.addOnion({ ports: [{ virtualPort: 80, target: { path: '/tmp/a\r\nSIGNAL HALT' } }] }),
        async () => c.addOnion({ ports: [{ virtualPort: 80, target: { host: '127.0.0.1\nSIGNAL HALT', port: 1 } }] }),
        async () => c.addOnion({ ports: [{ virtualPort: 80 }], flags: ['Detach\r\nSIGNAL HALT' as 'Detach'] }),
        async () => c.addOnion({ ports: [{ virtualPort: 80 }], clientAuthV3: ['A\r\nSIGNAL HALT'] }),
        async () => c.getInfo(['version\r\nSIGNAL HALT']),
        async () => c.setEvents(['HS_DESC\r\nSIGNAL HALT']),
        async () => c.setConf({ ContactInfo: 'x\r\nSIGNAL HALT' }),
        async () => c.setConf({ 'ContactInfo=x\r\nSIGNAL': 'HALT' }),
        async () => c.resetConf(['ContactInfo\r\nSIGNAL HALT']),
        async () => c.signal('NEWNYM\r\nHALT' as 'NEWNYM'),
        async () => c.onionClientAuthAdd(ID, `${PRIV}\r\nSIGNAL HALT`),
        async () => c.onionClientAuthAdd(ID, PRIV, { nickname: 'bob\r\nSIGNAL HALT' }),
        async () => c.onionClientAuthRemove(`${ID} \0`),
        async () => c.rawCommand('GETINFO version\r\nSIGNAL HALT')
      ]
      // authenticate() sends PROTOCOLINFO first, so its password is checked in the next test
      for (const attempt of attempts) {
        await assert.rejects(attempt(), InvalidControlArgumentError)
      }
      assert.deepEqual(await c.getInfo('version'), { version: '0.4.9.11' })
      assert.equal(fake.received, 'GETINFO version\r\n')
    })

    it('a bad password never reaches the socket: only PROTOCOLINFO does', async () => {
      fake.script(['PROTOCOLINFO 1', protocolInfo('HASHEDPASSWORD')])
      const c = await connect()
      await assert.rejects(c.authenticate({ password: 'pw\r\nSIGNAL HALT' }), (err: Error) =>
        err instanceof InvalidControlArgumentError && err.argument === 'password' && !err.message.includes('SIGNAL'))
      assert.equal(fake.received, 'PROTOCOLINFO 1\r\n')
    })

    it('emits "event" for a malformed HS_DESC without emitting "hs_desc"', async () => {
      const c = await connect()
      const events: ControlReply[] = []
      const hsDesc: HsDescEvent[] = []
      c.on('event', e => events.push(e))
      c.on('hs_desc', e => hsDesc.push(e))
      const got = new Promise(resolve => c.once('event', resolve))
      fake.push('650 HS_DESC UPLOADED\r\n')
      await got
      assert.equal(events.length, 1)
      assert.equal(hsDesc.length, 0)
      assert.equal(c.closed, false)
    })
  })

  describe('connection failures', () => {
    it('rejects every pending command on disconnect, naming its verb, and emits close', async () => {
      fake.script(['GETINFO version', null], [/^ADD_ONION /, null], ['SIGNAL NEWNYM', null])
      const c = await connect()
      const closed = new Promise<Error | undefined>(resolve => c.once('close', resolve))
      const pending = [c.getInfo('version'), c.addOnion({ ports: [{ virtualPort: 80 }] }), c.signal('NEWNYM')]
      await fake.waitForLines(3)
      fake.drop()
      const verbs = await Promise.all(pending.map(async p => p.then(() => 'resolved', (err: Error) => {
        assert.ok(err instanceof ControlConnectionClosedError)
        return err.command
      })))
      assert.deepEqual(verbs, ['GETINFO', 'ADD_ONION', 'SIGNAL'])
      await closed
      assert.equal(c.closed, true)
      await assert.rejects(c.delOnion(ID), (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'DEL_ONION')
    })

    it('drops the connection when a reply exceeds maxReplyBytes, failing pending commands', async () => {
      fake.script(['GETINFO config-text', null])
      const c = await connect({ maxReplyBytes: 1024 })
      const closed = new Promise<Error | undefined>(resolve => c.once('close', resolve))
      const p = c.getInfo('config-text')
      await fake.waitForLines(1)
      fake.push('250+config-text=\r\n' + 'SomeOption 1\r\n'.repeat(200))
      await assert.rejects(p, (err: Error) => err instanceof ControlConnectionClosedError && err.command === 'GETINFO' && err.cause instanceof ReplyTooLargeError)
      assert.ok((await closed) instanceof ReplyTooLargeError)
      await fake.waitForDisconnect()
    })

    it('drops the connection on a malformed line', async () => {
      fake.script(['GETINFO version', 'this is not tor\r\n'])
      const c = await connect()
      await assert.rejects(c.getInfo('version'), (err: Error) => err instanceof ControlConnectionClosedError && err.cause instanceof ControlProtocolError)
      assert.equal(c.closed, true)
    })

    it('drops the connection on a reply nobody asked for', async () => {
      const c = await connect()
      const closed = new Promise<Error | undefined>(resolve => c.once('close', resolve))
      fake.push(cap.OK)
      assert.ok((await closed) instanceof ControlProtocolError)
    })

    it('close() ends the connection cleanly and later commands fail', async () => {
      const c = await connect()
      const closed = new Promise<Error | undefined>(resolve => c.once('close', resolve))
      await c.close()
      assert.equal(await closed, undefined)
      assert.equal(c.closed, true)
      await assert.rejects(c.getInfo('version'), ControlConnectionClosedError)
      await c.close()
    })

    it('names the endpoint when nothing listens', async () => {
      const srv = createServer()
      await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
      const port = (srv.address() as AddressInfo).port
      await new Promise(resolve => srv.close(resolve))
      await assert.rejects(ControlClient.connect(`127.0.0.1:${port}`), (err: Error) =>
        err instanceof ControlUnreachableError && err.endpoint === `127.0.0.1:${port}` &&
        err.message.startsWith(`cannot reach Tor's control port 127.0.0.1:${port}: is tor running with ControlPort enabled?`))
      await assert.rejects(ControlClient.connect(`unix:${join(dir, 'nothing.sock')}`), (err: Error) =>
        err instanceof ControlUnreachableError && err.endpoint === `unix:${join(dir, 'nothing.sock')}`)
    })

    it('honours an aborted signal and rejects bad endpoint strings', async () => {
      await assert.rejects(ControlClient.connect(fake.endpoint, { signal: AbortSignal.abort(new Error('nope')) }), /nope/)
      const ac = new AbortController()
      const p = ControlClient.connect(fake.endpoint, { signal: ac.signal })
      ac.abort(new Error('changed my mind'))
      await assert.rejects(p, /changed my mind/)
      await assert.rejects(ControlClient.connect('tcp://127.0.0.1:9051'), InvalidControlArgumentError)
    })
  })

  describe('waitForBootstrap', () => {
    it('subscribes, polls, finishes on the 100% event and restores the event set', async () => {
      fake.script(
        ['SETEVENTS HS_DESC', cap.OK],
        ['SETEVENTS HS_DESC STATUS_CLIENT', cap.OK],
        ['GETINFO status/bootstrap-phase', `250-status/bootstrap-phase=${cap.BOOTSTRAP_PHASE_WARN}\r\n250 OK\r\n`],
        ['SETEVENTS HS_DESC', cap.OK]
      )
      const c = await connect()
      await c.setEvents(['HS_DESC'])
      const seen: number[] = []
      const done = c.waitForBootstrap({ onProgress: s => seen.push(s.progress), timeoutMs: 60_000 })
      await fake.waitForLines(3)
      fake.push('650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"\r\n')
      await done
      await fake.waitForLines(4)
      assert.deepEqual(seen, [5, 100])
      assert.deepEqual(fake.unexpected, [])
      assert.deepEqual(c.events, ['HS_DESC'])
    })

    it('fails with ControlConnectionClosedError when tor goes away', async () => {
      fake.script(['SETEVENTS STATUS_CLIENT', cap.OK], ['GETINFO status/bootstrap-phase', null])
      const c = await connect()
      const done = c.waitForBootstrap()
      await fake.waitForLines(2)
      fake.drop()
      await assert.rejects(done, ControlConnectionClosedError)
    })
  })

  describe('unix socket endpoint', () => {
    it('connects to a control socket given as unix:/path', async () => {
      const path = join(dir, 'control.sock')
      const unixFake = await FakeTorControl.start({ unixPath: path })
      try {
        unixFake.script(['PROTOCOLINFO 1', cap.PROTOCOLINFO_COOKIE])
        const c = await ControlClient.connect(`unix:${path}`)
        try {
          assert.deepEqual(c.endpoint, { type: 'unix', path })
          assert.deepEqual(await c.protocolInfo(), { authMethods: ['COOKIE', 'SAFECOOKIE'], cookieFile: '/tmp/torcap/data/control_auth_cookie', torVersion: '0.4.9.11' })
          assert.equal(unixFake.received, 'PROTOCOLINFO 1\r\n')
        } finally {
          await c.close()
        }
      } finally {
        await unixFake.close()
      }
    })
  })
})
