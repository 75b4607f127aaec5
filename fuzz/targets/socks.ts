/**
 * src/socks: the client handshake fed a proxy's bytes in random chunks,
 * without and with isolation credentials. Every failure must be a SocksError
 * (SocksProtocolError, SocksAuthError, SocksReplyError and its onion codes).
 */
import { SocksClientHandshake, SocksError } from '../../src/socks/index.js'
import { split } from '../mutate.js'
import { check } from '../target.js'
import type { FuzzTarget, Outcome } from '../target.js'

const HOST = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion'

function handshakeTarget (name: string, credentials: boolean): FuzzTarget {
  return {
    name,
    corpus: credentials ? 'socks-auth' : 'socks',
    errors: [SocksError],
    chunked: true,
    maxLength: 600,
    dictionary: ['\u0005\u0000', '\u0005\u0002', '\u0001\u0000', '\u0005\u00f0\u0000\u0001', '\u0000\u0000\u0000\u0000', '\u0003\u00ff', 'HTTP/1.0 ', '250 OK\r\n'],
    run ({ data, cuts }): Outcome {
      const h = new SocksClientHandshake(credentials
        ? { host: HOST, port: 7777, username: 'iso-1', password: 'pässwörd' }
        : { host: HOST, port: 7777 })
      h.start()
      const chunks = split(data, cuts)
      for (let i = 0; i < chunks.length; i++) {
        const action = h.receive(chunks[i])
        if (action.type === 'send') check(action.data.length > 0, 'an empty send')
        if (action.type === 'connected') {
          check(action.bound.port >= 0 && action.bound.port <= 65535, 'a bound port outside 0..65535')
          check(action.rest.length <= chunks[i].length, 'more bytes after the reply than the last chunk held')
          return 'accepted'
        }
      }
      return 'rejected' // the proxy stopped mid-handshake: client.ts turns this into an error when the socket ends
    }
  }
}

export const SOCKS_TARGETS: FuzzTarget[] = [
  handshakeTarget('socks-handshake', false),
  handshakeTarget('socks-handshake-auth', true)
]
