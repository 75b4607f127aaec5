import assert from 'node:assert/strict'
import { resolve } from 'node:path'
import { UsageError } from '../../../src/cli/errors.js'
import {
  ENV, parseClientOption, parseCountOption, parseIntervalOption, parsePortOption, parseTimeoutOption,
  resolveDataDir, resolveTorChoice
} from '../../../src/cli/options.js'

describe('cli options: which tor', () => {
  it('nothing configured: auto (system tor, else managed)', () => {
    assert.deepEqual(resolveTorChoice({}, {}, 0), { kind: 'auto', password: undefined, cookieFile: undefined })
  })

  it('flags give attach endpoints; password and cookie come along', () => {
    assert.deepEqual(resolveTorChoice({ torControl: '9051', torSocks: '127.0.0.1:9050', torPassword: 'pw', torCookie: '/c' }, {}, 0),
      { kind: 'attach', control: '9051', socks: '127.0.0.1:9050', password: 'pw', cookieFile: '/c' })
  })

  it('environment variables supply what flags do not', () => {
    const env = { [ENV.control]: '127.0.0.1:9151', [ENV.socks]: '127.0.0.1:9150', [ENV.password]: 'envpw', [ENV.cookie]: '/env-cookie' }
    assert.deepEqual(resolveTorChoice({}, env, 0), { kind: 'attach', control: '127.0.0.1:9151', socks: '127.0.0.1:9150', password: 'envpw', cookieFile: '/env-cookie' })
  })

  it('a flag beats its environment variable, one by one', () => {
    const env = { [ENV.control]: 'env:1', [ENV.socks]: '127.0.0.1:9150', [ENV.password]: 'envpw' }
    const c = resolveTorChoice({ torControl: '127.0.0.1:9999', torPassword: 'flagpw' }, env, 0)
    assert.deepEqual(c, { kind: 'attach', control: '127.0.0.1:9999', socks: '127.0.0.1:9150', password: 'flagpw', cookieFile: undefined })
  })

  it('an empty variable counts as unset', () => {
    assert.equal(resolveTorChoice({}, { [ENV.control]: '', [ENV.testnet]: '' }, 0).kind, 'auto')
  })

  it('--testnet: client 0 for listen, 1 for dial, --testnet-client overrides; the dir is made absolute', () => {
    assert.deepEqual(resolveTorChoice({ testnet: 'net' }, {}, 0), { kind: 'testnet', dir: resolve('net'), client: 0, managed: false })
    assert.deepEqual(resolveTorChoice({ testnet: '/n' }, {}, 1), { kind: 'testnet', dir: '/n', client: 1, managed: false })
    assert.deepEqual(resolveTorChoice({ testnet: '/n', testnetClient: 3, managed: true }, {}, 1), { kind: 'testnet', dir: '/n', client: 3, managed: true })
    assert.deepEqual(resolveTorChoice({}, { [ENV.testnet]: '/env-net' }, 1), { kind: 'testnet', dir: '/env-net', client: 1, managed: false })
  })

  it('--testnet and endpoints at the same level are a usage error', () => {
    assert.throws(() => resolveTorChoice({ testnet: '/n', torSocks: '9050' }, {}, 0), (err: Error) => err instanceof UsageError && /--testnet and --tor-control\/--tor-socks exclude each other/.test(err.message))
    assert.throws(() => resolveTorChoice({}, { [ENV.testnet]: '/n', [ENV.control]: '9051' }, 0), /P2P_TOR_TESTNET and P2P_TOR_CONTROL\/P2P_TOR_SOCKS exclude each other/)
  })

  it('at different levels the flag wins: --testnet over P2P_TOR_CONTROL, --tor-control over P2P_TOR_TESTNET', () => {
    assert.equal(resolveTorChoice({ testnet: '/n' }, { [ENV.control]: '9051' }, 0).kind, 'testnet')
    assert.deepEqual(resolveTorChoice({ torControl: '9051' }, { [ENV.testnet]: '/n' }, 0), { kind: 'attach', control: '9051', socks: undefined, password: undefined, cookieFile: undefined })
  })

  it('--managed alone launches tor; with endpoints it is a usage error; --testnet-client needs --testnet', () => {
    assert.deepEqual(resolveTorChoice({ managed: true }, {}, 0), { kind: 'managed' })
    assert.throws(() => resolveTorChoice({ managed: true, torControl: '9051' }, {}, 0), UsageError)
    assert.throws(() => resolveTorChoice({ testnetClient: 1 }, {}, 0), /--testnet-client needs --testnet/)
  })
})

describe('cli options: data directory', () => {
  it('--data-dir, then P2P_TOR_DATA_DIR, then $XDG_DATA_HOME/p2p-tor, then ~/.local/share/p2p-tor', () => {
    const env = { [ENV.dataDir]: '/from-env', XDG_DATA_HOME: '/xdg' }
    assert.equal(resolveDataDir('/from-flag', env, '/home/u'), '/from-flag')
    assert.equal(resolveDataDir(undefined, env, '/home/u'), '/from-env')
    assert.equal(resolveDataDir(undefined, { XDG_DATA_HOME: '/xdg' }, '/home/u'), '/xdg/p2p-tor')
    assert.equal(resolveDataDir(undefined, {}, '/home/u'), '/home/u/.local/share/p2p-tor')
  })

  it('ignores a relative XDG_DATA_HOME (the XDG spec says so) and resolves a relative --data-dir', () => {
    assert.equal(resolveDataDir(undefined, { XDG_DATA_HOME: 'rel' }, '/home/u'), '/home/u/.local/share/p2p-tor')
    assert.equal(resolveDataDir('node-a', {}, '/home/u'), resolve('node-a'))
  })
})

describe('cli options: numbers', () => {
  it('accepts whole numbers in range', () => {
    assert.equal(parsePortOption('7777'), 7777)
    assert.equal(parsePortOption('65535'), 65535)
    assert.equal(parseCountOption('3'), 3)
    assert.equal(parseIntervalOption('0'), 0)
    assert.equal(parseClientOption('1'), 1)
  })

  for (const [parse, bad] of [[parsePortOption, ['0', '65536', '-1', '7e3', 'abc', '', '1.5']], [parseCountOption, ['0', '-3', 'x']], [parseIntervalOption, ['-1', '1.5']]] as const) {
    it(`${parse.name || 'parser'} rejects ${bad.join(', ')} with a UsageError naming the option`, () => {
      for (const text of bad) {
        assert.throws(() => parse(text), (err: Error) => err instanceof UsageError && /^--\w+/.test(err.message) && err.message.includes(`"${text}"`), text)
      }
    })
  }

  it('--timeout takes seconds (decimals allowed) and gives milliseconds', () => {
    assert.equal(parseTimeoutOption('30'), 30_000)
    assert.equal(parseTimeoutOption('0.5'), 500)
    for (const text of ['0', '-1', 'abc', '1e3', '90000']) assert.throws(() => parseTimeoutOption(text), UsageError, text)
  })

  it('--timeout refuses what rounds to 0 ms, and takes 0.001 as 1 ms (found by npm run fuzz)', () => {
    for (const text of ['0.0001', '0.00049', '0.000']) assert.throws(() => parseTimeoutOption(text), UsageError, text)
    assert.equal(parseTimeoutOption('0.001'), 1)
    assert.equal(parseTimeoutOption('0.0005'), 1)
  })
})
