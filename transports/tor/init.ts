/**
 * The transport's options and progress events: what `tor(init)` accepts.
 */
import type { IsolationMode } from './isolation.js'
import type { LocalTarget } from './listener.js'
import type { TorSourceInit } from './tor-source.js'
import type { OnionKey } from '../../src/onion/index.js'
import type { OutboundConnectionUpgradeEvents } from '@libp2p/interface'
import type { ProgressEvent } from 'progress-events'

export interface TorTransportInit extends TorSourceInit {
  /**
   * The onion service key to listen with. Its address is known before tor
   * publishes anything: see {@link onionListenAddress}.
   *
   * @default undefined (the transport can dial, but not listen)
   */
  key?: OnionKey

  /**
   * More keys, one per onion address this node listens on.
   *
   * @default []
   */
  keys?: OnionKey[]

  /**
   * A key file (tor's hs_ed25519_secret_key format) loaded in start(). It
   * must exist: create one with loadOrCreateOnionKeyFile().
   *
   * @default undefined
   */
  keyFile?: string

  /**
   * Whether listen() resolves only once the first descriptor was uploaded
   * to an HS directory, i.e. when the address is really reachable. With
   * false, listen() resolves right after ADD_ONION.
   *
   * @default true
   */
  waitForPublish?: boolean

  /**
   * How long listen() waits for the first descriptor upload.
   *
   * @default 120000
   */
  publishTimeoutMs?: number

  /**
   * How long a dial (SOCKS connect through tor, including the onion-service
   * rendezvous) may take. Tor's own SocksTimeout is 120 s, and a stream to a
   * removed service can hang that long, so the transport enforces its own.
   *
   * @default 120000
   */
  dialTimeoutMs?: number

  /**
   * Stream isolation: 'peer' gives every remote onion service its own tor
   * circuits (SOCKS credentials as isolation keys), 'connection' gives every
   * dial fresh circuits, 'none' lets tor share them.
   *
   * @default 'peer'
   */
  isolation?: IsolationMode

  /**
   * ADD_ONION MaxStreams: the most concurrent streams one rendezvous circuit
   * may open to this service (0 = unlimited).
   *
   * @default undefined (tor's default, unlimited)
   */
  maxStreams?: number

  /**
   * Onion client authorization (v3): the base32 x25519 public keys of the
   * only clients allowed to fetch this node's descriptor. Without one of the
   * matching private keys (added on the client's tor with
   * ONION_CLIENT_AUTH_ADD), a dialer cannot even learn whether the service
   * is online.
   *
   * @default [] (a public onion service)
   */
  clientAuthV3?: string[]

  /**
   * Where tor delivers inbound streams: 'tcp' is a server on 127.0.0.1:0;
   * 'unix' is a unix socket in a fresh 0700 directory, reachable only by
   * this user; 'auto' picks 'unix' for a tor this process launched (same
   * user, same machine) and 'tcp' for an attached tor, which may run as
   * another user or under a sandbox that cannot open our socket.
   *
   * @default 'auto'
   */
  localTarget?: LocalTarget | 'auto'

  /**
   * Parent directory for unix sockets.
   *
   * @default os.tmpdir()
   */
  unixSocketDir?: string

  /**
   * Close a Tor stream after this long without traffic.
   *
   * @default 600000
   */
  inactivityTimeoutMs?: number
}

export type TorDialEvents =
  OutboundConnectionUpgradeEvents |
  ProgressEvent<'tor:socks-connect'> |
  ProgressEvent<'tor:socks-connected'>
