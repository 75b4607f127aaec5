import { TimeoutError } from '@libp2p/interface'
import { TorStreamError } from './errors.js'
import { AbstractMultiaddrConnection } from '@libp2p/utils'
import { pEvent } from 'p-event'
import type { AbortOptions, MultiaddrConnection } from '@libp2p/interface'
import type { AbstractMultiaddrConnectionInit, SendResult } from '@libp2p/utils'
import type { Socket } from 'node:net'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SocketConnectionInit extends Omit<AbstractMultiaddrConnectionInit, 'name' | 'stream'> {
  socket: Socket
}

/**
 * A Tor stream (an outbound SOCKS socket, or the loopback/unix socket tor
 * delivers an inbound stream on) as a libp2p v3 MultiaddrConnection.
 *
 * Unlike @libp2p/tcp's helper, the remote address is always supplied by the
 * caller: a Tor socket's own peer address is tor itself, never the remote
 * peer, so it must not leak into libp2p as if it were.
 */
class TorSocketConnection extends AbstractMultiaddrConnection {
  private readonly socket: Socket
  private corked = false

  constructor (init: SocketConnectionInit) {
    super(init)
    this.socket = init.socket
    const socket = this.socket

    // Nagle makes yamux+noise's many small writes crawl (FACTS.md)
    if (typeof socket.setNoDelay === 'function') socket.setNoDelay(true)

    socket.on('data', buf => { this.onData(buf) })
    socket.on('error', err => {
      this.log('socket error - %e', err)
      this.abort(err)
    })

    socket.setTimeout(init.inactivityTimeout ?? 10 * 60_000)
    socket.once('timeout', () => {
      this.log('socket inactivity timeout')
      this.abort(new TimeoutError('Tor stream was idle for too long'))
    })

    // the remote sent FIN; half-open sockets are off, so 'close' follows
    socket.once('end', () => { this.onTransportClosed() })
    socket.once('close', hadError => {
      if (hadError) {
        this.abort(new TorStreamError('the Tor stream closed with a transmission error (tor dropped the circuit or the local socket failed); dial again'))
        return
      }
      this.onTransportClosed()
    })
    socket.on('drain', () => { this.safeDispatchEvent('drain') })
  }

  /**
   * Everything written in one event-loop turn leaves as one write. tor makes
   * a cell of each segment it reads and sets no TCP_NODELAY on the sockets it
   * opens, so a noise length prefix sent apart from its message, or a yamux
   * window update apart from the frame after it, waits ~40 ms for a delayed
   * ACK at the far end (measured by bench/: the upgrade fell from ~200 ms to
   * ~35 ms of Tor round trips with this).
   */
  sendData (data: Uint8ArrayList): SendResult {
    if (!this.corked) {
      this.corked = true
      this.socket.cork()
      setImmediate(() => {
        this.corked = false
        this.socket.uncork()
      })
    }
    const canSendMore = this.socket.write(data.subarray())
    return { sentBytes: data.byteLength, canSendMore }
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    if (this.socket.destroyed) return
    this.socket.destroySoon()
    await pEvent(this.socket, 'close', options)
  }

  sendReset (): void {
    // a SOCKS or unix socket may not support RST; destroy is always valid
    this.socket.destroy()
  }

  sendPause (): void {
    this.socket.pause()
  }

  sendResume (): void {
    this.socket.resume()
  }
}

export function socketToConnection (init: SocketConnectionInit): MultiaddrConnection {
  return new TorSocketConnection(init)
}
