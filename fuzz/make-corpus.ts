/**
 * Writes the seed corpus in fuzz/corpus/ (run once, after a build:
 * `node dist/fuzz/make-corpus.js`; the files are checked in). Each seed is a
 * real reply, address or key, from the captures the unit tests already keep
 * (test/unit/control/captured.ts, test/unit/onion/vectors.ts) or captured
 * below from Debian's tor 0.4.9 on loopback, plus the well-formed inputs the
 * CLI documents. Fuzzer findings go in as `regress-*` files by hand.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeOnionKeyFile, onionKeyFromExpandedSecret, serviceIdToBytes } from '../src/onion/index.js'
import { base32Decode } from '../src/onion/base32.js'
import * as C from '../test/unit/control/captured.js'
import * as V from '../test/unit/onion/vectors.js'
import { CORPUS_DIR } from './corpus.js'

/**
 * Captured from tor 0.4.9 (Debian) on loopback, `--SocksPort "127.0.0.1:N
 * ExtendedErrors" --UseBridges 1 --Bridge 127.0.0.1:1` (so it never leaves
 * 127.0.0.1): what its SocksPort answered, as hex.
 */
const TOR_SOCKS = {
  /** greeting 05 01 00, then CONNECT to an onion address with a bad checksum: F6. */
  noAuthBadOnion: '0500' + '05f60001000000000000',
  /** greeting 05 01 02, username/password, the same CONNECT. */
  authBadOnion: '0502' + '0100' + '05f60001000000000000',
  /** CONNECT to a valid onion with no network: only the method reply, then silence. */
  noAuthPending: '0500',
  /** CONNECT to 127.0.0.1:22: general failure. */
  noAuthIp: '0500' + '05010001000000000000'
}

/** The same tor's control port: a GETINFO reply, and ADD_ONION answered with events between. */
const TOR_CONTROL = {
  getinfo: '250-net/listeners/socks="127.0.0.1:39750"\r\n250-net/listeners/control="127.0.0.1:39751"\r\n' +
    '250-status/bootstrap-phase=WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay" WARNING="Connection refused" ' +
    'REASON=CONNECTREFUSED COUNT=9 RECOMMENDATION=warn HOSTID="0000000000000000000000000000000000000000" HOSTADDR="127.0.0.1:1"\r\n250 OK\r\n',
  addOnionThenEvents: '250-ServiceID=xwmnfamcjccqbzj32dx6kcvmjmc5z3jdk7np2oxe4d2io3miwy7yntyd\r\n' +
    '250-PrivateKey=ED25519-V3:8O1mtK/R+mCcsQuxHiGlvZ6TrRvuqLe/PDnhZIxQ7maPpUkqYY/qHv8UxedS+CIYoWExVQg3Rfq0+R6l6GCQiQ==\r\n250 OK\r\n' +
    '650 STATUS_CLIENT WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay" WARNING="Connection refused" REASON=CONNECTREFUSED ' +
    'COUNT=10 RECOMMENDATION=warn HOSTID="0000000000000000000000000000000000000000" HOSTADDR="127.0.0.1:1"\r\n'
}

const files = new Map<string, Map<string, string | Uint8Array>>()
function seed (folder: string, name: string, content: string | Uint8Array): void {
  if (!files.has(folder)) files.set(folder, new Map())
  files.get(folder)?.set(name, content)
}
const line = (wire: string): string => wire.replace(/\r\n$/, '')

// --- onion
const ids: Record<string, string> = {
  'tor-build-address': V.TOR_BUILD_ADDRESS,
  'tor-0x42': V.TOR_0X42_ADDRESS,
  'tor-old-valid': V.TOR_OLD_VALID_ADDRESS,
  'rend-spec-1': V.REND_SPEC_EXAMPLES[0],
  'rend-spec-2': V.REND_SPEC_EXAMPLES[1],
  'tor-key-file': V.TOR_KEY_FILE.serviceId,
  'tor-add-onion-new': V.TOR_ADD_ONION_NEW.serviceId
}
const badIds: Record<string, string> = {
  'bad-checksum-tor': V.TOR_BAD_CHECKSUM_ADDRESSES[0],
  'bad-checksum-first-byte': V.CHECKSUM_FIRST_BYTE_WRONG,
  'bad-version-4': V.VERSION_4_ADDRESS,
  'bad-version-2': V.VERSION_2_ADDRESS
}
for (const [n, id] of Object.entries({ ...ids, ...badIds })) {
  seed('onion-service-id', n, id)
  seed('onion-id-bytes', n, base32Decode(id))
}
seed('onion-host-port', 'tor-build-address-80', `${V.TOR_BUILD_ADDRESS}.onion:80`)
seed('onion-host-port', 'rend-spec-65535', `${V.REND_SPEC_EXAMPLES[2]}.onion:65535`)
seed('onion-host-port', 'tor-add-onion-7777', `${V.TOR_ADD_ONION_NEW.serviceId}.onion:7777`)
seed('onion-host-port', 'bad-subdomain', `www.${V.TOR_BUILD_ADDRESS}.onion:443`)
// a peer id from the unit tests, the same one as a CID, and an RSA (Qm) peer id
const peer = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const multiaddrs: Record<string, string> = {
  plain: `/onion3/${V.TOR_BUILD_ADDRESS}:80`,
  'with-peer': `/onion3/${V.TOR_ADD_ONION_NEW.serviceId}:7777/p2p/${peer}`,
  'with-cid-peer': `/onion3/${V.REND_SPEC_EXAMPLES[0]}:1/p2p/bafzaajaiaejcal72gwuz2or47oyxxn6b3rkwdmmkrxgkjxzy3rqt5kczyn7lcm3l`,
  'rsa-peer': `/onion3/${V.TOR_KEY_FILE.serviceId}:65535/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC`
}
for (const [n, s] of Object.entries(multiaddrs)) {
  seed('onion-multiaddr', n, s)
  try {
    seed('onion-multiaddr-bytes', n, multiaddr(s).bytes)
  } catch {
    // a peer id form multiaddr cannot encode: text seed only
  }
}
seed('onion-multiaddr', 'tcp', '/ip4/127.0.0.1/tcp/4001')
seed('onion-multiaddr-bytes', 'tcp', multiaddr('/ip4/127.0.0.1/tcp/4001').bytes)
seed('onion-multiaddr-bytes', 'onion3-raw', Uint8Array.from([0xbd, 0x03, ...serviceIdToBytes(V.TOR_BUILD_ADDRESS), 0x00, 0x50]))
seed('onion-key-file', 'tor-0.4.9-written', V.hex(V.TOR_KEY_FILE.hex))
seed('onion-key-file', 'rfc8032-test1', encodeOnionKeyFile(onionKeyFromExpandedSecret(V.hex(V.RFC8032_TEST1_EXPANDED))))
seed('onion-key-blob', 'rfc8032-test1', V.RFC8032_TEST1_BLOB)
seed('onion-key-blob', 'tor-add-onion-new', V.TOR_ADD_ONION_NEW.blob)
seed('onion-key-blob', 'captured-add-onion', C.ADD_ONION_NEW.split('\r\n')[1].slice('250-PrivateKey='.length))

// --- control replies (every captured reply, a few back to back as they arrive on one connection)
const replies: Record<string, string> = {
  'protocolinfo-cookie': C.PROTOCOLINFO_COOKIE,
  'protocolinfo-all': C.PROTOCOLINFO_ALL,
  'protocolinfo-null': C.PROTOCOLINFO_NULL,
  authchallenge: C.SAFECOOKIE_VECTOR.reply,
  'getinfo-single-lines': C.GETINFO_SINGLE_LINES,
  'getinfo-onions-data-block': C.GETINFO_ONIONS_DATA_BLOCK,
  'getinfo-config-text': C.GETINFO_CONFIG_TEXT,
  'getinfo-two-data-blocks': C.GETINFO_TWO_DATA_BLOCKS,
  'getinfo-dots-and-empty': C.GETINFO_DOTS_AND_EMPTY,
  'getinfo-tor-0.4.9-listeners': TOR_CONTROL.getinfo,
  'add-onion-new': C.ADD_ONION_NEW,
  'add-onion-discard-pk': C.ADD_ONION_DISCARD_PK,
  'add-onion-client-auth-v3': C.ADD_ONION_CLIENT_AUTH_V3,
  'add-onion-tor-0.4.9-then-events': TOR_CONTROL.addOnionThenEvents,
  'add-onion-collision': C.ADD_ONION_COLLISION,
  'hs-desc-content': C.HS_DESC_CONTENT,
  'hs-desc-uploaded': C.HS_DESC_UPLOADED,
  'status-client-warn': C.STATUS_CLIENT_WARN,
  'errors-back-to-back': C.UNRECOGNIZED_COMMAND + C.AUTH_REQUIRED + C.WRONG_PASSWORD + C.CLIENT_AUTH_REPLACED + C.OK,
  'event-inside-reply': C.GETINFO_ONIONS_DATA_BLOCK.slice(0, 24) + C.HS_DESC_UPLOAD + C.GETINFO_ONIONS_DATA_BLOCK.slice(24),
  'loadconf-stuffed-dot': C.LOADCONF_STUFFED_DOT
}
for (const [n, r] of Object.entries(replies)) {
  seed('control-reply', n, r)
  if (n.startsWith('protocolinfo') || n.startsWith('errors')) seed('protocolinfo', n, r)
  if (n.startsWith('authchallenge') || n.startsWith('errors')) seed('authchallenge', n, r)
  if (n.startsWith('add-onion')) seed('add-onion-reply', n, r)
  if (n.startsWith('getinfo') || n.startsWith('event-inside')) seed('getinfo-reply', n, r)
}

// --- events
for (const [n, e] of Object.entries({
  requested: C.HS_DESC_REQUESTED,
  created: C.HS_DESC_CREATED,
  upload: C.HS_DESC_UPLOAD,
  failed: C.HS_DESC_FAILED,
  received: C.HS_DESC_RECEIVED,
  uploaded: C.HS_DESC_UPLOADED,
  'v2-requested': C.HS_DESC_V2_REQUESTED,
  'no-hsdir': C.HS_DESC_NO_HSDIR
})) seed('hs-desc-event', n, line(e))
seed('status-client-event', 'notice', line(C.STATUS_CLIENT_NOTICE))
seed('status-client-event', 'warn', line(C.STATUS_CLIENT_WARN))
seed('status-client-event', 'warn-tor-0.4.9', TOR_CONTROL.addOnionThenEvents.split('\r\n')[3])
seed('status-client-event', 'circuit-established', '650 STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED')
seed('bootstrap-phase', 'start', C.BOOTSTRAP_PHASE_START)
seed('bootstrap-phase', 'warn', C.BOOTSTRAP_PHASE_WARN)
seed('bootstrap-phase', 'done', 'NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"')

// --- endpoints
for (const [n, e] of Object.entries({ ipv4: '127.0.0.1:9051', localhost: 'localhost:9051', ipv6: '[::1]:9051', port: '9051', unix: 'unix:/run/tor/control' })) {
  seed('control-endpoint', n, e)
}
seed('control-port-file', 'tcp-and-unix', 'PORT=127.0.0.1:39643\nUNIX_PORT=/tmp/torcap/d2/ctl\n')
seed('control-port-file', 'tcp', 'PORT=127.0.0.1:39751\n')
for (const [n, e] of Object.entries({ ipv4: '127.0.0.1:9050', localhost: 'localhost:9150', ipv6: '[::1]:9050', port: '9050', host: 'tor.internal:9050' })) {
  seed('host-port', n, e)
}
seed('socks-listeners', 'tor-0.4.9', '"127.0.0.1:39750"')
seed('socks-listeners', 'several', '"127.0.0.1:9050" "[::1]:9050" "unix:/run/tor/socks"')
seed('socks-listeners', 'wildcards', '"0.0.0.0:9050" "[::]:9150"')

// --- SOCKS: the proxy's bytes
const reply = (code: number, rest = '0001000000000000'): string => `05${code.toString(16).padStart(2, '0')}00${rest.slice(2)}`
seed('socks', 'tor-0.4.9-bad-onion', V.hex(TOR_SOCKS.noAuthBadOnion))
seed('socks', 'tor-0.4.9-pending', V.hex(TOR_SOCKS.noAuthPending))
seed('socks', 'tor-0.4.9-ip-refused', V.hex(TOR_SOCKS.noAuthIp))
seed('socks', 'success', V.hex('0500' + reply(0)))
seed('socks', 'success-then-data', V.hex('0500' + reply(0) + '2f6d756c746973747265616d2f312e302e300a'))
seed('socks', 'success-ipv6', V.hex('0500' + '05000004' + '00'.repeat(16) + '0000'))
seed('socks', 'success-domain', V.hex('0500' + '05000003' + '09' + Buffer.from('localhost').toString('hex') + '1e61'))
for (const code of [0xf0, 0xf2, 0xf7, 0x04]) seed('socks', `reply-${code.toString(16)}`, V.hex('0500' + reply(code)))
seed('socks', 'no-acceptable-method', V.hex('05ff'))
seed('socks', 'http-answer', 'HTTP/1.0 400 Bad Request\r\n\r\n')
seed('socks-auth', 'tor-0.4.9-bad-onion', V.hex(TOR_SOCKS.authBadOnion))
seed('socks-auth', 'success', V.hex('0502' + '0100' + reply(0)))
seed('socks-auth', 'rejected', V.hex('0502' + '0101'))
seed('socks-auth', 'reply-f3', V.hex('0502' + '0100' + reply(0xf3)))

// --- CLI
for (const n of ['1', '80', '7777', '65535', '99', '0', '1000000', '3600000', '120', '2.5', '0.5', '86400']) seed('cli-number', n, n)
seed('cli-tor-choice', 'attach', '--tor-control=127.0.0.1:9051\n--tor-socks=127.0.0.1:9050\n--tor-password=hunter2\ndefault=1')
seed('cli-tor-choice', 'testnet', '--testnet=/tmp/net\n--testnet-client=3\n--managed')
seed('cli-tor-choice', 'env-testnet-flag-control', 'env.P2P_TOR_TESTNET=/tmp/net\n--tor-control=unix:/run/tor/control')
seed('cli-tor-choice', 'env-both', 'env.P2P_TOR_TESTNET=net\nenv.P2P_TOR_SOCKS=9050\nenv.P2P_TOR_COOKIE=/run/tor/control.authcookie')
seed('cli-tor-choice', 'managed', '--managed')
seed('cli-tor-choice', 'auto', 'env.P2P_TOR_PASSWORD=secret')
seed('cli-data-dir', 'flag', '--data-dir=./data\nhome=/home/u')
seed('cli-data-dir', 'env', 'env.P2P_TOR_DATA_DIR=/var/lib/p2p-tor')
seed('cli-data-dir', 'xdg', 'env.XDG_DATA_HOME=/home/u/.local/share\nhome=/home/u')
seed('cli-data-dir', 'xdg-relative', 'env.XDG_DATA_HOME=rel\nhome=/root')

for (const [folder, seeds] of files) {
  mkdirSync(join(CORPUS_DIR, folder), { recursive: true })
  for (const [name, content] of seeds) writeFileSync(join(CORPUS_DIR, folder, name), content)
}
process.stdout.write(`wrote ${[...files.values()].reduce((n, m) => n + m.size, 0)} seeds in ${files.size} folders under ${CORPUS_DIR}\n`)
