import assert from 'node:assert/strict'
import { AbortError as Libp2pAbortError, InvalidMessageError, TimeoutError as Libp2pTimeoutError, UnexpectedPeerError, UnsupportedProtocolError } from '@libp2p/interface'
import { classifyError, DialTimeoutError, ExitCode, InterruptedError, logHint, oneLine, TestnetDownError, TorConnectionLostError, TorStartTimeoutError, UsageError } from '../../../src/cli/errors.js'
import {
  ControlConnectionClosedError, ControlProtocolError, ControlReplyError, ControlUnreachableError, CookieFileError,
  InvalidControlArgumentError, NoUsableAuthMethodError, ReplyTooLargeError, ServerHashMismatchError,
  ControlTimeoutError, TorBootstrapTimeoutError, WrongPasswordError
} from '../../../src/control/errors.js'
import { CreateDirectoryError, InvalidOnionAddressError, KeyFileError } from '../../../src/onion/errors.js'
import {
  BadOnionAddressError, OnionClientAuthBadError, OnionClientAuthMissingError, OnionDescriptorInvalidError, OnionIntroFailedError,
  OnionIntroTimeoutError, OnionRendezvousFailedError, OnionServiceNotFoundError, SocksAuthError, SocksNotSocks5Error, SocksProtocolError,
  SocksProxyUnreachableError, SocksReplyError
} from '../../../src/socks/errors.js'
import {
  TestnetConfigMismatchError, TestnetKeygenError, TestnetNodeDiedError, TestnetNotFoundError, TestnetPortInUseError,
  TestnetStopError, TestnetTimeoutError, InvalidTestnetOptionsError
} from '../../../src/testnet/errors.js'
import { UploadFailedError, UploadTimeoutError, UploadWaitClosedError } from '../../../src/control/errors.js'
import { InvalidEndpointError, InvalidTorOptionsError, TorUnavailableError, TorExitedError, TorNetworkUnreachableError, TorManagedOptionsMissingError, TorNotFoundError, TorNotInstalledError } from '../../../src/tor/errors.js'
import { DataDirLockedError, LockFileError } from '../../../src/cli/lock.js'
import { ListenerClosedError, TorStreamError, NoControlPortError, OnionAlreadyListeningError, OnionInUseError, OnionPublishFailedError, OnionPublishTimeoutError } from '../../../transports/tor/errors.js'

const ID = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd'
const DEST = `${ID}.onion:7777`
const LOG = ['Nov 25 10:00:00.000 [notice] Bootstrapped 5%', 'Nov 25 10:00:01.000 [warn] Could not bind to 127.0.0.1:9050: Address already in use']

/** Every typed error the CLI can meet, with the exit code and JSON code it must map to. */
const TABLE: Array<[Error, number, string]> = [
  [new UsageError('--port must be …'), ExitCode.USAGE, 'USAGE'],
  [new InvalidOnionAddressError('checksum', ID), ExitCode.USAGE, 'BAD_ADDRESS'],
  [new BadOnionAddressError(DEST), ExitCode.USAGE, 'HS_BAD_ADDRESS'],
  [new InvalidEndpointError('x', 'host:port'), ExitCode.USAGE, 'USAGE'],
  [new InvalidControlArgumentError('control endpoint', 'bad'), ExitCode.USAGE, 'USAGE'],
  [new InvalidTestnetOptionsError('clients must be 1..64'), ExitCode.USAGE, 'USAGE'],
  [new NoControlPortError(), ExitCode.USAGE, 'NO_CONTROL_PORT'],
  [new TorNotInstalledError('tor'), ExitCode.TOR, 'TOR_NOT_INSTALLED'],
  [new TorNotFoundError('control', ['127.0.0.1:9051']), ExitCode.TOR, 'TOR_NOT_FOUND'],
  [new TorManagedOptionsMissingError(['127.0.0.1:9051']), ExitCode.TOR, 'TOR_NOT_FOUND'],
  [new ControlUnreachableError('127.0.0.1:9051'), ExitCode.TOR, 'TOR_UNREACHABLE'],
  [new SocksProxyUnreachableError('127.0.0.1:9050', 'ECONNREFUSED'), ExitCode.TOR, 'TOR_UNREACHABLE'],
  [new ControlConnectionClosedError('GETINFO'), ExitCode.TOR, 'TOR_CONNECTION_CLOSED'],
  [new TorConnectionLostError(), ExitCode.TOR, 'TOR_CONNECTION_LOST'],
  [new WrongPasswordError(), ExitCode.TOR, 'TOR_AUTH'],
  [new CookieFileError('/run/tor/control.authcookie', 'EACCES'), ExitCode.TOR, 'TOR_AUTH'],
  [new ServerHashMismatchError(), ExitCode.TOR, 'TOR_AUTH'],
  [new NoUsableAuthMethodError(['HASHEDPASSWORD'], 'pass --tor-password'), ExitCode.TOR, 'TOR_AUTH'],
  [new SocksAuthError('REJECTED'), ExitCode.TOR, 'TOR_PROTOCOL'],
  [new SocksProtocolError('short reply'), ExitCode.TOR, 'TOR_PROTOCOL'],
  [new ControlProtocolError('bad line'), ExitCode.TOR, 'TOR_PROTOCOL'],
  [new ReplyTooLargeError(1024), ExitCode.TOR, 'TOR_PROTOCOL'],
  [new ControlTimeoutError('PROTOCOLINFO', 10_000, '127.0.0.1:9051', false), ExitCode.TOR, 'TOR_TIMEOUT'],
  [new SocksNotSocks5Error('it did not answer the greeting within 5 s', '127.0.0.1:9051'), ExitCode.TOR, 'TOR_NOT_SOCKS'],
  [new TorStartTimeoutError(30_000, 'tor'), ExitCode.TOR, 'TOR_TIMEOUT'],
  [new TorStartTimeoutError(30_000, 'bootstrap'), ExitCode.TOR, 'TOR_BOOTSTRAP_TIMEOUT'],
  [new TorStartTimeoutError(30_000, 'publish'), ExitCode.TOR, 'PUBLISH_TIMEOUT'],
  [new TorBootstrapTimeoutError(1000, { progress: 50, tag: 'loading_descriptors', summary: 'Loading relay descriptors' }), ExitCode.TOR, 'TOR_BOOTSTRAP_TIMEOUT'],
  [new TorNetworkUnreachableError({ progress: 14, tag: 'handshake', summary: 'Handshaking with a relay', warning: 'DONE', reason: 'DONE' }, 10, 45_000, '/d/managed/listen/tor/tor.log'), ExitCode.TOR, 'TOR_NETWORK_UNREACHABLE'],
  [new TorExitedError('managed', 1, LOG), ExitCode.TOR, 'TOR_EXITED'],
  [new TestnetNotFoundError('/tmp/net'), ExitCode.TOR, 'TESTNET_NOT_FOUND'],
  [new TestnetDownError('/tmp/net', 'client0'), ExitCode.TOR, 'TESTNET_DOWN'],
  [new OnionPublishTimeoutError(ID, 120_000), ExitCode.TOR, 'PUBLISH_TIMEOUT'],
  [new OnionPublishFailedError(ID, ['UPLOAD_REJECTED']), ExitCode.TOR, 'PUBLISH_FAILED'],
  [new UploadTimeoutError(ID, 120_000), ExitCode.TOR, 'PUBLISH_TIMEOUT'],
  [new UploadFailedError(ID, ['UPLOAD_REJECTED']), ExitCode.TOR, 'PUBLISH_FAILED'],
  [new UploadWaitClosedError(ID), ExitCode.TOR, 'TOR_CONNECTION_LOST'],
  [new ListenerClosedError(ID), ExitCode.FAILURE, 'ABORTED'],
  [new TorStreamError('the Tor stream closed'), ExitCode.PEER, 'STREAM_FAILED'],
  [new TorUnavailableError('tor went away 1.2 s ago and p2p-tor is reconnecting'), ExitCode.TOR, 'TOR_UNAVAILABLE'],
  [new InvalidTorOptionsError('launch: always excludes control'), ExitCode.USAGE, 'USAGE'],
  [new SocksReplyError(0x06, DEST), ExitCode.PEER, 'TTL_EXPIRED'],
  [new SocksReplyError(0x04, DEST), ExitCode.PEER, 'HOST_UNREACHABLE'],
  [new OnionServiceNotFoundError(DEST), ExitCode.PEER, 'HS_DESC_NOT_FOUND'],
  [new OnionDescriptorInvalidError(DEST), ExitCode.PEER, 'HS_DESC_INVALID'],
  [new OnionIntroFailedError(DEST), ExitCode.PEER, 'HS_INTRO_FAILED'],
  [new OnionRendezvousFailedError(DEST), ExitCode.PEER, 'HS_REND_FAILED'],
  [new OnionClientAuthMissingError(DEST), ExitCode.PEER, 'HS_MISSING_CLIENT_AUTH'],
  [new OnionClientAuthBadError(DEST), ExitCode.PEER, 'HS_WRONG_CLIENT_AUTH'],
  [new OnionIntroTimeoutError(DEST), ExitCode.PEER, 'HS_INTRO_TIMEOUT'],
  [new DialTimeoutError(30_000, 'connecting to the peer'), ExitCode.PEER, 'TIMEOUT'],
  [new UnexpectedPeerError('unexpected peer'), ExitCode.PEER, 'PEER_ID_MISMATCH'],
  [new UnsupportedProtocolError('protocol selection failed'), ExitCode.PEER, 'PROTOCOL_UNSUPPORTED'],
  [new InvalidMessageError('Missing newline'), ExitCode.PEER, 'NOT_LIBP2P'],
  [new Libp2pTimeoutError('timed out'), ExitCode.PEER, 'TIMEOUT'],
  [new KeyFileError('/d/hs_ed25519_secret_key', 'corrupt', 'onion key file is damaged'), ExitCode.FAILURE, 'KEY_FILE'],
  [new OnionInUseError(ID), ExitCode.FAILURE, 'ONION_IN_USE'],
  [new OnionAlreadyListeningError(ID, 7777), ExitCode.FAILURE, 'ONION_IN_USE'],
  [new DataDirLockedError('/d', 4242), ExitCode.FAILURE, 'ONION_IN_USE'],
  [new LockFileError('/d/listen.lock', 'cannot create it (EACCES)'), ExitCode.FAILURE, 'DATA_DIR'],
  [new CreateDirectoryError('/proc/x', 'ENOENT'), ExitCode.FAILURE, 'DATA_DIR'],
  [new TestnetConfigMismatchError('/tmp/net', '2 clients', '3 clients'), ExitCode.FAILURE, 'TESTNET'],
  [new TestnetNodeDiedError('auth0', 1, LOG, '/tmp/net/auth0/tor.log'), ExitCode.FAILURE, 'TESTNET'],
  [new TestnetTimeoutError('client0', 'bootstrap', 'stuck', 1000, [], '/tmp/net/client0/tor.log'), ExitCode.FAILURE, 'TESTNET'],
  [new TestnetPortInUseError(17000, 'auth0'), ExitCode.FAILURE, 'TESTNET'],
  [new TestnetKeygenError('auth0', 'tor-gencert', 'failed'), ExitCode.FAILURE, 'TESTNET'],
  [new TestnetStopError('/tmp/net', [123]), ExitCode.FAILURE, 'TESTNET'],
  [new InterruptedError('SIGINT'), ExitCode.INTERRUPTED, 'INTERRUPTED'],
  [new Libp2pAbortError('aborted'), ExitCode.FAILURE, 'ABORTED']
]

describe('cli errors: typed error -> exit code and one line', () => {
  for (const [err, exitCode, code] of TABLE) {
    it(`${err.name} -> exit ${exitCode}, ${code}, one line`, () => {
      const c = classifyError(err)
      assert.equal(c.exitCode, exitCode)
      assert.equal(c.code, code)
      assert.ok(c.message.length > 0)
      assert.ok(!c.message.includes('\n'), `one line: ${c.message}`)
      // the line is the error's own first line (plus a tor log hint where there is one)
      assert.ok(c.message.startsWith(oneLine(err.message)), c.message)
    })
  }

  it('a managed tor\'s bootstrap timeout names tor\'s log file, the offline route and --timeout', () => {
    const err = new TorBootstrapTimeoutError(120_000, { progress: 14, tag: 'handshake', summary: 'Handshaking with a relay', warning: 'DONE' }, { logFile: '/d/managed/listen/tor/tor.log', option: 'bootstrapTimeoutMs' })
    const c = classifyError(err)
    assert.equal(c.message, 'tor did not finish bootstrapping within 120000 ms: stuck at 14% (handshake: Handshaking with a relay), last warning: DONE; check its network access and log (/d/managed/listen/tor/tor.log), or raise bootstrapTimeoutMs; without internet access, run a private network: p2p-tor testnet start, then --testnet DIR (on the command line: --timeout <s>)')
  })

  it('a tor that cannot reach any relay names tor\'s log file and the offline route of the CLI', () => {
    const err = new TorNetworkUnreachableError({ progress: 14, tag: 'handshake', summary: 'Handshaking with a relay', warning: 'DONE', reason: 'DONE' }, 10, 45_000, '/d/managed/listen/tor/tor.log')
    const c = classifyError(err)
    assert.equal(c.message, 'tor cannot reach any relay: stuck at 14% (handshake: Handshaking with a relay) after 10 failed attempts in 45 s (last: DONE, DONE); check this machine\'s network access and firewall, and tor\'s log /d/managed/listen/tor/tor.log; without internet access, start a private network (p2p-tor/testnet startTestnet) and join it with managed.torrcLines; on the command line: p2p-tor testnet start, then --testnet DIR')
  })

  it('finds the typed cause inside an AggregateError and a cause chain (libp2p wraps dial errors)', () => {
    const wrapped = new AggregateError([new Error('dial failed'), Object.assign(new Error('upgrade failed'), { cause: new OnionServiceNotFoundError(DEST) })], 'All multiaddr dials failed')
    const c = classifyError(new Error('dial error', { cause: wrapped }))
    assert.equal(c.code, 'HS_DESC_NOT_FOUND')
    assert.equal(c.exitCode, ExitCode.PEER)
    assert.match(c.message, /F0/)
    assert.match(c.message, /offline or not yet published/)
  })

  it('prefers a typed cause over a generic TimeoutError or AbortError beside it', () => {
    const err = new AggregateError([new Libp2pTimeoutError('timed out'), new Libp2pAbortError(), new SocksProxyUnreachableError('127.0.0.1:9', 'ECONNREFUSED')])
    const c = classifyError(err)
    assert.equal(c.code, 'TOR_UNREACHABLE')
    assert.match(c.message, /is tor running\?/)
  })

  it('an unknown error is INTERNAL, exit 1, with its name, on one line', () => {
    const c = classifyError(new TypeError('x is not a function\n    at foo (bar.js:1:1)'))
    assert.deepEqual(c, { exitCode: 1, code: 'INTERNAL', message: 'TypeError: x is not a function' })
    assert.equal(classifyError('a string').code, 'INTERNAL')
  })

  it('stops on a cause cycle', () => {
    const a: any = new Error('a')
    const b: any = new Error('b', { cause: a })
    a.cause = b
    assert.equal(classifyError(a).code, 'INTERNAL')
  })

  it("libp2p's bare \"Missing newline\" (bytes that are no multistream-select) says who may have sent them", () => {
    // libp2p keeps only the message when it wraps multistream-select's InvalidMessageError
    for (const err of [Object.assign(new Error('Missing newline'), { name: 'EncryptionFailedError' }), Object.assign(new Error('Missing newline'), { name: 'InvalidMessageError' })]) {
      const c = classifyError(err)
      assert.equal(c.exitCode, ExitCode.PEER)
      assert.equal(c.code, 'NOT_LIBP2P')
      assert.match(c.message, /^Missing newline: the other end answered with bytes that are not libp2p's protocol negotiation/)
      assert.match(c.message, /--tor-socks/)
    }
  })

  it('a bootstrap timeout names the CLI option --timeout, not the library option timeoutMs', () => {
    const c = classifyError(new TorBootstrapTimeoutError(30_000, { progress: 14, tag: 'handshake', summary: 'Handshaking with a relay' }))
    assert.match(c.message, /stuck at 14% .*\(on the command line: --timeout <s>\)$/)
  })

  it('an endpoint that is not SOCKS5 is named, with the flag that points at it', () => {
    const c = classifyError(new SocksNotSocks5Error('it did not answer the greeting within 5 s', '127.0.0.1:9051'))
    assert.equal(c.message, "127.0.0.1:9051 does not speak SOCKS5: it did not answer the greeting within 5 s; point it at tor's SocksPort (not its ControlPort, DirPort or HTTPTunnelPort): check --tor-socks (or P2P_TOR_SOCKS)")
  })

  it('a tor that exited is summarised with its last warning, not its whole log', () => {
    const c = classifyError(new TorExitedError('managed', 1, LOG))
    assert.match(c.message, /tor said: Could not bind to 127\.0\.0\.1:9050: Address already in use$/)
    assert.equal(logHint(['plain line']), 'plain line')
    assert.equal(logHint([]), undefined)
  })

  it('a noise identity mismatch (libp2p keeps only its message) says the address\'s peer id is wrong', () => {
    const err = Object.assign(new Error('Payload identity key 12D3KooWAAA does not match expected remote identity key 12D3KooWBBB'), { name: 'EncryptionFailedError' })
    assert.deepEqual(classifyError(new AggregateError([err])), {
      exitCode: ExitCode.PEER,
      code: 'PEER_ID_MISMATCH',
      message: 'the onion service answered as peer 12D3KooWAAA, not 12D3KooWBBB as the address says: the /p2p part is outdated or mistyped; copy the address the listener prints'
    })
    const other = classifyError(Object.assign(new Error('handshake failed'), { name: 'EncryptionFailedError' }))
    assert.deepEqual(other, { exitCode: ExitCode.PEER, code: 'ENCRYPTION_FAILED', message: 'handshake failed' })
  })

  it('the F0 line tells the user what to do, in words', () => {
    assert.match(classifyError(new OnionServiceNotFoundError(DEST)).message, /descriptor not found \(F0\): the peer is offline or not yet published/)
  })

  it('a ControlReplyError is tor refusing a command: exit 3 with tor\'s code and text', () => {
    const c = classifyError(new ControlReplyError('ADD_ONION', 550, 'Onion address collision'))
    assert.equal(c.exitCode, ExitCode.TOR)
    assert.equal(c.code, 'TOR_REFUSED')
    assert.match(c.message, /ADD_ONION with 550/)
  })
})
