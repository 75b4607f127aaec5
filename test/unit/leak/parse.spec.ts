/**
 * The leak recorders' parsers (test/e2e/leak/parse.ts) and judges on
 * captured tool output, good and malformed: no strace, nft or ss runs here.
 * The first block moved here from test/e2e/leak.spec.ts unchanged.
 */
import assert from 'node:assert/strict'
import { judgeListening } from '../../e2e/leak/listening.js'
import { parseNftRecord, parseSs, parseTrace } from '../../e2e/leak/parse.js'
import { STARTED_MARKER } from '../../e2e/leak/protocol.js'
import { bytesSecret, judgeLog, textSecret } from '../../e2e/leak/secrets.js'
import { destinations, judgeTrace } from '../../e2e/leak/trace.js'

describe('leak recorder: judging captured records', () => {
  const TOR = { torEndpoints: [{ host: '127.0.0.1', port: 9050 }, { host: '127.0.0.1', port: 9051 }] }
  // real strace -f output (lines trimmed), as the node processes produce it
  const TRACE = [
    '100 openat(AT_FDCWD, "/etc/resolv.conf", O_RDONLY) = 18',
    '100 connect(21, {sa_family=AF_INET, sin_port=htons(9051), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
    '104 connect(22, {sa_family=AF_INET6, sin6_port=htons(9050), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>',
    '104 <... connect resumed>) = -1 EINPROGRESS (Operation now in progress)',
    '100 bind(23, {sa_family=AF_UNIX, sun_path="/tmp/p2p-tor-Ab12/s"}, 110) = 0',
    '100 bind(24, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
    `100 openat(AT_FDCWD, "${STARTED_MARKER}", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`
  ]
  const LEAKS = [
    '100 connect(25, {sa_family=AF_INET, sin_port=htons(4444), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
    '107 connect(18, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)',
    '107 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 18',
    '107 connect(18, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0',
    '100 sendmsg(21, {msg_name={sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.1.1.1")}, msg_namelen=16, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = -1 EPERM (Operation not permitted)',
    '100 connect(20, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINPROGRESS (Operation now in progress)',
    '100 bind(22, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, 16) = 0'
  ]

  it('a trace of tor connections only, with resolver files read during start-up, is clean', () => {
    const entries = parseTrace(TRACE.join('\n'))
    assert.equal(entries.filter(e => e.addrs.length > 0).length, 4)
    assert.deepEqual(judgeTrace(entries, TOR), [])
  })

  it('every kind of leak in a trace is found, with its kind', () => {
    const findings = judgeTrace(parseTrace([...TRACE, ...LEAKS].join('\n')), TOR)
    assert.deepEqual(findings.map(f => f.kind), ['destination', 'dns', 'dns', 'dns', 'dns', 'destination', 'listen'])
    assert.match(findings[0].text, /connect to 127\.0\.0\.1:4444, not a tor endpoint/)
    assert.match(findings[5].text, /\[2001:db8::1\]:80/)
  })

  it('ss: loopback and unix listeners pass, a wildcard one does not', () => {
    const ss = [
      'tcp   LISTEN 0 511 127.0.0.1:38471 0.0.0.0:* users:(("node",pid=1234,fd=23))',
      'u_str LISTEN 0 511 /tmp/p2p-tor-Ab12/s 99123 * 0 users:(("node",pid=1234,fd=24))',
      'tcp   LISTEN 0 511 0.0.0.0:40001 0.0.0.0:* users:(("node",pid=1234,fd=25))',
      'tcp   LISTEN 0 511 [::]:40002 [::]:* users:(("node",pid=1234,fd=26))',
      'tcp   LISTEN 0 511 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=99,fd=3))'
    ].join('\n')
    const sockets = parseSs(ss, 1234)
    assert.equal(sockets.length, 4)
    assert.deepEqual(judgeListening(sockets).map(f => f.text), [
      'listens on tcp 0.0.0.0:40001, reachable beyond loopback',
      'listens on tcp [::]:40002, reachable beyond loopback'
    ])
  })

  it('logs: a cookie in hex, a key in base64 or an AUTHENTICATE line are found', () => {
    const cookieBytes = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
    const keyBytes = Uint8Array.from({ length: 64 }, (_, i) => 255 - i)
    const secrets = [bytesSecret('the cookie', cookieBytes), bytesSecret('the key', keyBytes), textSecret('the password', 'hunter2-Zq')]
    assert.deepEqual(judgeLog('libp2p:tor dialing abc…xyz.onion:7777\nlibp2p:tor:control sending AUTHENTICATE\nlibp2p:tor:control AUTHENTICATE -> 250', secrets, 'n'), [])
    const hex = Buffer.from(cookieBytes).toString('hex').toUpperCase()
    assert.deepEqual(judgeLog(`AUTHENTICATE ${hex}`, secrets, 'n').map(f => f.text), [
      'n holds the cookie (as upper-case hex)',
      'n holds a control-port AUTHENTICATE argument, at offset 0'
    ])
    assert.equal(judgeLog(`key ${Buffer.from(keyBytes).toString('base64')}`, secrets, 'n').length, 1)
    assert.equal(judgeLog('init { controlPassword: "hunter2-Zq" }', secrets, 'n').length, 2)
  })

  it('nftables: the counter and the recorded destinations are read', () => {
    const counter = '{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"counter": {"family": "inet", "name": "not_tor", "table": "p2p_tor_leak", "packets": 3, "bytes": 180}}]}'
    const set4 = '{"nftables": [{"metainfo": {}}, {"set": {"name": "dest4", "elem": [{"concat": ["10.255.255.53", "udp", 53]}, {"concat": ["127.0.0.1", "tcp", 4444]}]}}]}'
    const set6 = '{"nftables": [{"metainfo": {}}, {"set": {"name": "dest6"}}]}'
    assert.deepEqual(parseNftRecord(counter, [set4, set6]), { notTorPackets: 3, destinations: ['10.255.255.53 udp 53', '127.0.0.1 tcp 4444'] })
  })
})

/**
 * Captured 2026-12, on this project's machines: strace 6.x
 * (`strace -f -qq --seccomp-bpf -s 256 -e trace=connect,sendto,sendmsg,bind`)
 * of a node one-liner that listens on 127.0.0.1, connects to itself and sends
 * one UDP datagram to [::1]:53.
 */
const CAPTURED_STRACE = [
  '21126 bind(19, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
  '21126 connect(20, {sa_family=AF_INET, sin_port=htons(38101), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
  '21126 bind(21, {sa_family=AF_INET6, sin6_port=htons(0), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::", &sin6_addr), sin6_scope_id=0}, 28) = 0',
  '21126 sendmsg(21, {msg_name={sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, msg_namelen=28, msg_iov=[{iov_base="x", iov_len=1}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, 0) = 1'
].join('\n')

/**
 * Captured from nft 1.0.6 (`nft -j list counter|set inet p2p_tor_leak ...`)
 * in a throwaway namespace with nftRules([9050, 9051]) loaded, after one UDP
 * datagram to 10.255.255.53:53 and one TCP connect to 127.0.0.1:4444.
 */
const CAPTURED_NFT = {
  counter: '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"counter": {"family": "inet", "name": "not_tor", "table": "p2p_tor_leak", "handle": 2, "packets": 2, "bytes": 89}}]}',
  dest4: '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "inet", "name": "dest4", "table": "p2p_tor_leak", "type": ["ipv4_addr", "inet_proto", "inet_service"], "handle": 3, "size": 65535, "elem": [{"concat": ["10.255.255.53", "udp", 53]}, {"concat": ["127.0.0.1", "tcp", 4444]}]}}]}',
  dest6: '{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "inet", "name": "dest6", "table": "p2p_tor_leak", "type": ["ipv6_addr", "inet_proto", "inet_service"], "handle": 4, "size": 65535}}]}'
}

/** Captured from iproute2's `ss -H -l -n -p -t -u -w -x` (column padding as ss prints it). */
const CAPTURED_SS = [
  'tcp LISTEN 0      511    127.0.0.1:42105 0.0.0.0:* users:(("node",pid=21048,fd=20))',
  'tcp LISTEN 0      511    127.0.0.1:45943 0.0.0.0:* users:(("node",pid=21048,fd=21))',
  'tcp LISTEN 0      511    127.0.0.1:33163 0.0.0.0:* users:(("node",pid=20757,fd=20))'
].join('\n')

describe('leak parsers: captured output', () => {
  describe('parseTrace', () => {
    it('reads every socket address of a captured strace', () => {
      const entries = parseTrace(CAPTURED_STRACE)
      assert.deepEqual(entries.map(e => [e.syscall, e.addrs]), [
        ['bind', [{ family: 'AF_INET', host: '127.0.0.1', port: 0, path: undefined }]],
        ['connect', [{ family: 'AF_INET', host: '127.0.0.1', port: 38101, path: undefined }]],
        ['bind', [{ family: 'AF_INET6', host: '::', port: 0, path: undefined }]],
        ['sendmsg', [{ family: 'AF_INET6', host: '::1', port: 53, path: undefined }]]
      ])
      assert.ok(entries.every(e => !e.afterStart))
    })

    it('judges the captured DNS datagram and the non-tor connect, but not the loopback binds', () => {
      const findings = judgeTrace(parseTrace(CAPTURED_STRACE), { torEndpoints: [{ host: '127.0.0.1', port: 9050 }] })
      // in trace order
      assert.deepEqual(findings.map(f => f.kind), ['destination', 'listen', 'dns'])
      assert.match(findings[0].text, /^connect to 127\.0\.0\.1:38101, not a tor endpoint/)
      assert.match(findings[1].text, /^bind to \[::\]:0, not loopback/)
      assert.match(findings[2].text, /^DNS query by sendmsg to \[::1\]:53/)
      assert.deepEqual(destinations(parseTrace(CAPTURED_STRACE)), ['connect 127.0.0.1:38101', 'sendmsg [::1]:53'])
    })

    it('marks entries after the start-up marker, and only those', () => {
      const text = [
        '1 openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3',
        `1 openat(AT_FDCWD, "${STARTED_MARKER}", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`,
        '1 openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3'
      ].join('\n')
      assert.deepEqual(parseTrace(text).map(e => [e.path, e.afterStart]), [['/etc/hosts', false], [STARTED_MARKER, false], ['/etc/hosts', true]])
    })

    it('reads an abstract unix socket path and a line without a pid', () => {
      const [e] = parseTrace('connect(5, {sa_family=AF_UNIX, sun_path=@"/tmp/.X11-unix/X0"}, 22) = 0')
      assert.deepEqual(e.addrs, [{ family: 'AF_UNIX', host: undefined, port: undefined, path: '@/tmp/.X11-unix/X0' }])
    })

    it('skips malformed lines: resumed halves, exits, signals, blanks and truncated output', () => {
      const malformed = [
        '',
        '104 <... connect resumed>) = -1 EINPROGRESS (Operation now in progress)',
        '104 +++ exited with 0 +++',
        '100 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---',
        'strace: Process 100 attached',
        'garbage without parentheses'
      ].join('\n')
      assert.deepEqual(parseTrace(malformed).map(e => e.syscall), [])
      // a line cut off inside the sockaddr keeps its syscall but yields no address
      const [cut] = parseTrace('100 connect(21, {sa_family=AF_INET, sin_port=htons(90')
      assert.equal(cut.syscall, 'connect')
      assert.deepEqual(cut.addrs, [])
      assert.deepEqual(judgeTrace([cut], { torEndpoints: [] }), [])
    })
  })

  describe('parseNftRecord', () => {
    it('reads the captured counter and sets', () => {
      assert.deepEqual(parseNftRecord(CAPTURED_NFT.counter, [CAPTURED_NFT.dest4, CAPTURED_NFT.dest6]), {
        notTorPackets: 2,
        destinations: ['10.255.255.53 udp 53', '127.0.0.1 tcp 4444']
      })
    })

    it('an empty set gives no destinations', () => {
      assert.deepEqual(parseNftRecord(CAPTURED_NFT.counter, [CAPTURED_NFT.dest6]).destinations, [])
    })

    it('a reply with no counter gives NaN packets, which no "== 0" assertion passes', () => {
      const noCounter = '{"nftables": [{"metainfo": {"version": "1.0.6"}}]}'
      assert.ok(Number.isNaN(parseNftRecord(noCounter, []).notTorPackets))
    })

    it('throws on output that is not JSON or not nft\'s shape', () => {
      assert.throws(() => parseNftRecord('Error: No such file or directory', []), SyntaxError)
      assert.throws(() => parseNftRecord(CAPTURED_NFT.counter, ['{"nftables": [']), SyntaxError)
      assert.throws(() => parseNftRecord('{"not": "nft"}', []), TypeError)
    })
  })

  describe('parseSs', () => {
    it('keeps only the lines of one pid, with netid and local address', () => {
      assert.deepEqual(parseSs(CAPTURED_SS, 21048), [
        { netid: 'tcp', local: '127.0.0.1:42105' },
        { netid: 'tcp', local: '127.0.0.1:45943' }
      ])
      assert.deepEqual(judgeListening(parseSs(CAPTURED_SS, 21048)), [])
    })

    it('does not take pid 2104 for pid 21048', () => {
      assert.deepEqual(parseSs(CAPTURED_SS, 2104), [])
    })

    it('ignores blank lines, headers and lines without a process', () => {
      const text = ['', 'Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process', 'tcp LISTEN 0 511 0.0.0.0:22 0.0.0.0:*', '   '].join('\n')
      assert.deepEqual(parseSs(text, 22), [])
    })
  })
})
