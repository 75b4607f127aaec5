/**
 * src/control: the reply parser (bytes in random chunks), the per-reply
 * parsers, the event parsers and the control endpoint parsers. Replies and
 * events raise ControlProtocolError (ReplyParser also ReplyTooLargeError);
 * endpoints raise InvalidControlArgumentError.
 */
import { isDeepStrictEqual } from 'node:util'
import {
  ControlProtocolError, InvalidControlArgumentError, ReplyParser, ReplyTooLargeError,
  formatControlEndpoint, parseAddOnionReply, parseAuthChallenge, parseBootstrapPhase, parseControlEndpoint, parseControlPortFile,
  parseGetInfoReply, parseHsDescEvent, parseProtocolInfo, parseStatusClientEvent
} from '../../src/control/index.js'
import type { BootstrapStatus, ControlReply } from '../../src/control/index.js'
import { split } from '../mutate.js'
import { check, holds, text } from '../target.js'
import type { FuzzTarget, Outcome } from '../target.js'

const REPLY_WORDS = [
  '250-', '250+', '250 ', '650-', '650+', '650 ', '250 OK\r\n', '\r\n', '\n', '\r', '.\r\n', '..', '=', '"', '\\', '\\"', '\\n', '\\377', '\\0',
  'AUTH METHODS=', 'COOKIEFILE=', 'SAFECOOKIE', 'COOKIE', 'HASHEDPASSWORD', 'NULL', 'VERSION Tor=', 'PROTOCOLINFO 1',
  'AUTHCHALLENGE ', 'SERVERHASH=', 'SERVERNONCE=', 'ServiceID=', 'PrivateKey=ED25519-V3:', 'ClientAuthV3=', '__proto__=', 'constructor=',
  'HS_DESC ', 'STATUS_CLIENT ', 'BOOTSTRAP ', 'PROGRESS=', 'TAG=', 'SUMMARY=', 'WARNING=', 'REASON=', '515 ', '552 '
]

/** Every reply in `data`, fed in the chunks `cuts` makes, then end(). */
function parseReplies (data: Uint8Array, cuts: readonly number[], maxReplyBytes?: number): ControlReply[] {
  const parser = new ReplyParser({ maxReplyBytes })
  const replies: ControlReply[] = []
  for (const chunk of split(data, cuts)) replies.push(...parser.push(chunk))
  parser.end()
  return replies
}

/** Chunked replies must come out as if the bytes had come in one piece, and fail where they fail. */
function replyParserTarget (name: string, maxReplyBytes?: number): FuzzTarget {
  return {
    name,
    corpus: 'control-reply',
    errors: [ControlProtocolError, ReplyTooLargeError],
    chunked: true,
    dictionary: REPLY_WORDS,
    run ({ data, cuts }) {
      const outcome = (c: readonly number[]): { replies?: ControlReply[], error?: unknown } => {
        try {
          return { replies: parseReplies(data, c, maxReplyBytes) }
        } catch (error) {
          return { error }
        }
      }
      const whole = outcome([])
      const chunked = cuts.length > 0 ? outcome(cuts) : whole
      if (whole.error != null && chunked.error != null) {
        // An unterminated line can overflow the cap in chunks before it is
        // complete enough to be found malformed: both are fatal, so either may come first.
        const names = [(whole.error as Error).name, (chunked.error as Error).name]
        check(names[0] === names[1] || names.includes(ReplyTooLargeError.name), `in one piece the input fails with ${names[0]}, in chunks with ${names[1]}`)
      } else {
        check((whole.error == null) === (chunked.error == null),
          `in one piece the input ${whole.error == null ? 'parses' : 'fails'}, in chunks it ${chunked.error == null ? 'parses' : 'fails'}`)
        check(isDeepStrictEqual(whole.replies, chunked.replies), 'chunked input gave other replies than the same bytes in one piece')
      }
      if (chunked.error != null) throw chunked.error
      for (const reply of chunked.replies ?? []) {
        check(reply.lines.length > 0 && reply.status === reply.lines[reply.lines.length - 1].status, 'a reply\'s status is not its last line\'s')
      }
    }
  }
}

/** A per-reply parser on every reply the bytes hold (bytes that are no reply are rejected before). */
function replyTarget (name: string, corpus: string, parse: (r: ControlReply) => unknown, valid: (v: never) => boolean): FuzzTarget {
  return {
    name,
    corpus,
    errors: [ControlProtocolError, ReplyTooLargeError],
    dictionary: REPLY_WORDS,
    run ({ data }) {
      let outcome: Outcome = 'rejected'
      for (const reply of parseReplies(data, [])) {
        let value: unknown
        try {
          value = parse(reply)
        } catch (err) {
          if (err instanceof ControlProtocolError) continue
          throw err
        }
        check(valid(value as never), `${name} returned a value outside its contract: ${JSON.stringify(value)?.slice(0, 200)}`)
        outcome = 'accepted'
      }
      return outcome
    }
  }
}

function validBootstrap (b: BootstrapStatus): boolean {
  return Number.isInteger(b.progress) && b.progress >= 0 && b.progress <= 100 && typeof b.tag === 'string' && typeof b.summary === 'string'
}

const EVENT_WORDS = [
  '650 ', '650-', 'HS_DESC ', 'STATUS_CLIENT ', 'NOTICE ', 'WARN ', 'ERR ', 'BOOTSTRAP ', 'UPLOADED ', 'FAILED ', 'UNKNOWN ', 'NO_AUTH ',
  'PROGRESS=', 'PROGRESS=100', 'PROGRESS=101', 'TAG=', 'SUMMARY="', 'WARNING="', 'REASON=', 'HSDIR_INDEX=', '"', '\\', '\\"', ' ', '  ', '=',
  '__proto__=', 'hasOwnProperty=', '$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA~relay'
]
const ENDPOINT_WORDS = ['unix:', '/', ':', '[', ']', '::1', '127.0.0.1', 'localhost', '0.0.0.0', '[::]', '9051', '65535', '65536', '0', 'PORT=', 'UNIX_PORT=', '\n', '\r', '\u0000', ' ']

export const CONTROL_TARGETS: FuzzTarget[] = [
  replyParserTarget('control-reply'),
  // A small cap, so the fuzzer reaches ReplyTooLargeError at every place a reply can overflow.
  replyParserTarget('control-reply-capped', 96),
  replyTarget('protocolinfo', 'protocolinfo', parseProtocolInfo,
    (v: ReturnType<typeof parseProtocolInfo>) => Array.isArray(v.authMethods) && v.authMethods.every(m => m.length > 0)),
  replyTarget('authchallenge', 'authchallenge', parseAuthChallenge,
    (v: ReturnType<typeof parseAuthChallenge>) => v.serverHash.length === 32 && v.serverNonce.length === 32),
  replyTarget('add-onion-reply', 'add-onion-reply', parseAddOnionReply,
    (v: ReturnType<typeof parseAddOnionReply>) => /^[a-z2-7]{56}$/.test(v.serviceId)),
  replyTarget('getinfo-reply', 'getinfo-reply', parseGetInfoReply,
    (v: ReturnType<typeof parseGetInfoReply>) => Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every(x => typeof x === 'string')),
  {
    name: 'hs-desc-event',
    corpus: 'hs-desc-event',
    errors: [ControlProtocolError],
    maxLength: 1024,
    dictionary: EVENT_WORDS,
    run ({ data }) {
      const e = parseHsDescEvent(text(data))
      check([e.action, e.address, e.authType, e.hsDir].every(w => w.length > 0 && !w.includes(' ')), 'an HS_DESC field is empty or holds a space')
    }
  },
  {
    name: 'status-client-event',
    corpus: 'status-client-event',
    errors: [ControlProtocolError],
    maxLength: 1024,
    dictionary: EVENT_WORDS,
    run ({ data }) {
      const e = parseStatusClientEvent(text(data))
      check(e.action !== 'BOOTSTRAP' || (e.bootstrap != null && validBootstrap(e.bootstrap)), 'a BOOTSTRAP event without a valid bootstrap status')
    }
  },
  {
    name: 'bootstrap-phase',
    corpus: 'bootstrap-phase',
    errors: [ControlProtocolError],
    maxLength: 1024,
    dictionary: EVENT_WORDS,
    run ({ data }) {
      check(validBootstrap(parseBootstrapPhase(text(data))), 'bootstrap progress outside 0..100')
    }
  },
  {
    name: 'control-endpoint',
    corpus: 'control-endpoint',
    errors: [InvalidControlArgumentError],
    maxLength: 300,
    dictionary: ENDPOINT_WORDS,
    run ({ data }) {
      const e = parseControlEndpoint(text(data))
      holds('control endpoint round trip', () => isDeepStrictEqual(parseControlEndpoint(formatControlEndpoint(e)), e))
    }
  },
  {
    name: 'control-port-file',
    corpus: 'control-port-file',
    errors: [InvalidControlArgumentError],
    maxLength: 600,
    dictionary: ENDPOINT_WORDS,
    run ({ data }) {
      for (const e of parseControlPortFile(text(data))) {
        holds('control endpoint round trip', () => isDeepStrictEqual(parseControlEndpoint(formatControlEndpoint(e)), e))
      }
    }
  }
]
