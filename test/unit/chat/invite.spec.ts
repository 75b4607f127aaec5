/**
 * Invites: round trip (fast-check), the plain multiaddr form, each reason
 * decodeInvite gives, one changed character caught by the checksum, and
 * the length of a typical invite.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { InvalidParametersError } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { base58btc } from 'multiformats/bases/base58'
import { decodeInvite, encodeInvite, INVITE_PREFIX, inviteMultiaddr, mailboxMultiaddr } from '../../../src/chat/invite.js'
import { InvalidInviteError } from '../../../src/chat/core-errors.js'
import { Invite as InvitePb } from '../../../src/chat/invite-pb.js'
import { serviceIdFromPublicKey } from '../../../src/onion/address.js'
import type { Invite } from '../../../src/chat/invite.js'
import type { InviteProblem } from '../../../src/chat/core-errors.js'

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

function refused (text: string, reason: InviteProblem, field?: string): void {
  assert.throws(() => decodeInvite(text), (err: unknown) => {
    assert.ok(err instanceof InvalidInviteError, `expected InvalidInviteError, got ${String(err)}`)
    assert.equal(err.name, 'InvalidInviteError')
    assert.equal(err.reason, reason, err.message)
    assert.equal(err.field, field)
    if (field != null) assert.ok(err.message.includes(field), err.message)
    return true
  })
}

/** The text form of arbitrary protobuf fields, framed like encodeInvite, with a given version. */
function frame (pb: Partial<InvitePb>, version = 1): string {
  const body = InvitePb.encode({ peerId: new Uint8Array(), onionKey: new Uint8Array(), port: 0, ...pb })
  const bytes = new Uint8Array(1 + body.length + 4)
  bytes[0] = version
  bytes.set(body, 1)
  bytes.set(sha256(bytes.subarray(0, 1 + body.length)).subarray(0, 4), 1 + body.length)
  return INVITE_PREFIX + base58btc.baseEncode(bytes)
}

describe('chat invites', function () {
  this.timeout(20000)
  let peers: string[]
  let alice: Invite, withMailbox: Invite

  before(async () => {
    peers = await Promise.all([...Array(6)].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    alice = { peerId: peers[0], onion: serviceIdFromPublicKey(new Uint8Array(32).fill(1)), port: 4001 }
    withMailbox = { ...alice, mailbox: { peerId: peers[1], onion: serviceIdFromPublicKey(new Uint8Array(32).fill(2)), port: 4002, inbox: new Uint8Array(16).fill(9) } }
  })

  it('round trips, with and without a mailbox (fast-check)', () => {
    const onion = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(serviceIdFromPublicKey)
    const port = fc.integer({ min: 1, max: 65535 })
    const peer = fc.constantFrom(...peers)
    const mailbox = fc.record({ peerId: peer, onion, port, inbox: fc.uint8Array({ minLength: 16, maxLength: 16 }) }, { noNullPrototype: true })
    const invite = fc.record({ peerId: peer, onion, port, mailbox }, { requiredKeys: ['peerId', 'onion', 'port'], noNullPrototype: true })
    fc.assert(fc.property(invite, (i) => {
      const text = encodeInvite(i)
      assert.ok(text.startsWith('p2ptor:'))
      assert.deepEqual(decodeInvite(text), i)
    }))
  })

  it('ignores whitespace around and inside (a wrapped line)', () => {
    const text = encodeInvite(withMailbox)
    const wrapped = `  \n${text.slice(0, 60)}\n${text.slice(60, 130)}\r\n\t${text.slice(130)}  \n`
    assert.deepEqual(decodeInvite(wrapped), withMailbox)
  })

  it('is 118 characters without a mailbox and 251 with one (Ed25519 PeerIds)', () => {
    // 1 version + 38 PeerId + 32 onion key + 3 port + 6 framing + 4 checksum = 84 bytes → 118 base58 characters with the prefix;
    // the mailbox adds 2 + 38 + 32 + 3 + 16 + 6 framing = 97 bytes. The plain multiaddr is 126 characters.
    assert.equal(encodeInvite(alice).length, 118)
    assert.equal(encodeInvite(withMailbox).length, 251)
    assert.equal(inviteMultiaddr(alice).length, 126)
  })

  it('reads a plain /onion3/<id>:<port>/p2p/<peer> address as an invite without a mailbox', () => {
    const ma = inviteMultiaddr(withMailbox)
    assert.equal(ma, `/onion3/${alice.onion}:4001/p2p/${alice.peerId}`)
    assert.deepEqual(decodeInvite(`  ${ma}\n`), alice)
    assert.equal(mailboxMultiaddr(withMailbox), `/onion3/${withMailbox.mailbox?.onion ?? ''}:4002/p2p/${peers[1]}`)
    assert.equal(mailboxMultiaddr(alice), undefined)
  })

  it('refuses a plain address without /p2p, with a bad id, or with a bad port, naming the field', () => {
    refused(`/onion3/${alice.onion}:4001`, 'field', 'peerId')
    refused(`/onion3/${alice.onion.slice(0, -1)}a:4001/p2p/${alice.peerId}`, 'field', 'onion')
    refused(`/onion3/${alice.onion}:0/p2p/${alice.peerId}`, 'field', 'port')
    refused(`/onion3/${alice.onion}:4001/tcp/1`, 'encoding')
  })

  it('reason prefix: no "p2ptor:", or something else entirely', () => {
    refused(encodeInvite(alice).slice('p2ptor:'.length), 'prefix')
    refused(encodeInvite(alice).replace('p2ptor:', 'p2p-tor:'), 'prefix')
    refused('', 'prefix')
    refused('https://example.com', 'prefix')
  })

  it('reason encoding: not base58, empty, too long', () => {
    refused(`${encodeInvite(alice)}0`, 'encoding')
    refused('p2ptor:', 'encoding')
    refused(`p2ptor:${'2'.repeat(2000)}`, 'encoding')
  })

  it('reason checksum: every single changed character anywhere in the body is caught', () => {
    const text = encodeInvite(alice)
    for (let i = INVITE_PREFIX.length; i < text.length; i++) {
      const other = BASE58[(BASE58.indexOf(text[i]) + 1 + (i % 57)) % 58]
      refused(text.slice(0, i) + other + text.slice(i + 1), 'checksum')
    }
    refused(text.slice(0, -1), 'checksum')
    refused('p2ptor:2', 'checksum')
  })

  it('reason version: a valid frame with another version byte', () => {
    refused(frame({ port: 1 }, 2), 'version')
  })

  it('reason field: missing or wrong fields, each named', () => {
    const pb = InvitePb.decode(base58btc.baseDecode(encodeInvite(withMailbox).slice(7)).slice(1, -4))
    refused(frame({ ...pb, peerId: new Uint8Array() }), 'field', 'peerId')
    refused(frame({ ...pb, peerId: new Uint8Array([1, 2, 3]) }), 'field', 'peerId')
    refused(frame({ ...pb, onionKey: new Uint8Array(31) }), 'field', 'onion')
    refused(frame({ ...pb, port: 0 }), 'field', 'port')
    refused(frame({ ...pb, port: 65536 }), 'field', 'port')
    const mb = pb.mailbox
    assert.ok(mb != null)
    refused(frame({ ...pb, mailbox: { ...mb, inbox: new Uint8Array(15) } }), 'field', 'mailbox.inbox')
    refused(frame({ ...pb, mailbox: { ...mb, peerId: new Uint8Array() } }), 'field', 'mailbox.peerId')
    refused(frame({ ...pb, mailbox: { ...mb, onionKey: new Uint8Array(33) } }), 'field', 'mailbox.onion')
    refused(frame({ ...pb, mailbox: { ...mb, port: 0 } }), 'field', 'mailbox.port')
    // and the unchanged fields decode
    assert.deepEqual(decodeInvite(frame(pb)), withMailbox)
  })

  it('encodeInvite refuses invalid fields with InvalidParametersError naming them', () => {
    const mailbox = withMailbox.mailbox
    assert.ok(mailbox != null)
    const bad: Array<[Invite, string]> = [
      [{ ...alice, peerId: 'not-a-peer' }, 'peerId'],
      [{ ...alice, onion: 'a'.repeat(56) }, 'onion'],
      [{ ...alice, port: 0 }, 'port'],
      [{ ...alice, port: 70000 }, 'port'],
      [{ ...alice, mailbox: { ...mailbox, inbox: new Uint8Array(8) } }, 'mailbox.inbox'],
      [{ ...alice, mailbox: { ...mailbox, port: -1 } }, 'mailbox.port'],
      [{ ...alice, mailbox: { ...mailbox, onion: alice.onion.toUpperCase() } }, 'mailbox.onion'],
      [{ ...alice, mailbox: { ...mailbox, peerId: '' } }, 'mailbox.peerId']
    ]
    for (const [invite, field] of bad) {
      assert.throws(() => encodeInvite(invite), (err: unknown) => err instanceof InvalidParametersError && err.message.includes(`field ${field} `), field)
    }
  })
})
