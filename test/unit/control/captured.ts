/**
 * Control-port traffic kept in its wire form. Unless a constant says
 * otherwise, it was captured from Debian's tor 0.4.9.11 started with
 * `--DisableNetwork 1 --SocksPort 0 --ControlPort auto --CookieAuthentication 1`
 * (keys and services below belonged to throw-away instances).
 */

export const PROTOCOLINFO_COOKIE =
  '250-PROTOCOLINFO 1\r\n' +
  '250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/tmp/torcap/data/control_auth_cookie"\r\n' +
  '250-VERSION Tor="0.4.9.11"\r\n' +
  '250 OK\r\n'

/** The same tor with a HashedControlPassword as well. */
export const PROTOCOLINFO_ALL =
  '250-PROTOCOLINFO 1\r\n' +
  '250-AUTH METHODS=COOKIE,SAFECOOKIE,HASHEDPASSWORD COOKIEFILE="/tmp/torcap/d2/data/control_auth_cookie"\r\n' +
  '250-VERSION Tor="0.4.9.11"\r\n' +
  '250 OK\r\n'

/** control-spec 3.21 grammar for a tor with no authentication configured (not captured). */
export const PROTOCOLINFO_NULL =
  '250-PROTOCOLINFO 1\r\n' +
  '250-AUTH METHODS=NULL\r\n' +
  '250-VERSION Tor="0.4.9.11"\r\n' +
  '250 OK\r\n'

export const OK = '250 OK\r\n'

/**
 * A complete SAFECOOKIE exchange that tor accepted (250 OK): the cookie file,
 * our nonce, tor's AUTHCHALLENGE reply, and the hash we sent in AUTHENTICATE.
 */
export const SAFECOOKIE_VECTOR = {
  cookieHex: 'c457af5947b1052e0032db388f2810e3dbe940666c501e6bd1f976a277851244',
  clientNonceHex: '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20',
  reply: '250 AUTHCHALLENGE SERVERHASH=00247A97946BA2AFBB1CBDD577A7450DEB8806AE76D48B0DF466728A95613A42 SERVERNONCE=44141B0159EACDEB2E15EADEE1CC18513940115DB13ACFB5AA27EA705A12D0D5\r\n',
  serverHashHex: '00247a97946ba2afbb1cbdd577a7450deb8806ae76d48b0df466728a95613a42',
  serverNonceHex: '44141b0159eacdeb2e15eadee1cc18513940115db13acfb5aa27ea705a12d0d5',
  clientHashHex: '1817be624fde0f8a96f3d6ec8688fc51119721bfcb4b5d6fd407f08c230e801f'
}

export const GETINFO_SINGLE_LINES =
  '250-version=0.4.9.11\r\n' +
  '250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting"\r\n' +
  '250-onions/current=\r\n' +
  '250 OK\r\n'

export const GETINFO_ONIONS_DATA_BLOCK =
  '250+onions/current=\r\n' +
  'e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd\r\n' +
  'skpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad\r\n' +
  '.\r\n' +
  '250 OK\r\n'

export const GETINFO_CONFIG_TEXT =
  '250+config-text=\r\n' +
  'ControlPort auto\r\n' +
  'ControlPortWriteToFile /tmp/torcap/cp\r\n' +
  'CookieAuthentication 1\r\n' +
  'DataDirectory /tmp/torcap/data\r\n' +
  'DisableNetwork 1\r\n' +
  'Log notice stdout\r\n' +
  'SocksPort 0\r\n' +
  '.\r\n' +
  '250 OK\r\n'

export const ADD_ONION_NEW =
  '250-ServiceID=e57tg4ft4fpbspcp7xgejz3t4ftgw66iibrhq5hemfqmmkcjskhs6oqd\r\n' +
  '250-PrivateKey=ED25519-V3:gBaXlMi2V/GiTFLL3rdcULmI7p+PPm33LthDz1oc4FIe3AbLzSMjNrsoemnEjw7icr4eFcw3+jdg8HgjmHKttQ==\r\n' +
  '250 OK\r\n'

export const ADD_ONION_DISCARD_PK =
  '250-ServiceID=skpygjxsnslcxmys2il6ind7oyvkehfmwiyg67btgv5xzjocqvwj5uad\r\n' +
  '250 OK\r\n'

/** ADD_ONION NEW:ED25519-V3 Flags=DiscardPK,V3Auth Port=80,127.0.0.1:9 ClientAuthV3=GAOJ…: tor echoes each client key. */
export const ADD_ONION_CLIENT_AUTH_V3 =
  '250-ServiceID=zrto3merzge7gbsnbopzkpuw2znvzspbyj2djywinic7h72sd32drdqd\r\n' +
  '250-ClientAuthV3=GAOJJX4F45GT6RFSNULL6RHT4GDCPBQNZJT3VED52HU4HP7BEITQ\r\n' +
  '250 OK\r\n'

/** GETINFO version config-text onions/current, with two services on the connection: two data blocks in one reply. */
export const GETINFO_TWO_DATA_BLOCKS =
  '250-version=0.4.9.11\r\n' +
  '250+config-text=\r\n' +
  'ControlPort auto\r\n' +
  'ControlPortWriteToFile /tmp/rcap/cp\r\n' +
  'CookieAuthentication 1\r\n' +
  'DataDirectory /tmp/rcap/data\r\n' +
  'DisableNetwork 1\r\n' +
  'SocksPort 0\r\n' +
  '.\r\n' +
  '250+onions/current=\r\n' +
  'zrto3merzge7gbsnbopzkpuw2znvzspbyj2djywinic7h72sd32drdqd\r\n' +
  '4ch2brewerljfy7l2docps5xvf67zaabne6lfyzqwdqaozmu7xij4myd\r\n' +
  '.\r\n' +
  '250 OK\r\n'

/**
 * Not captured (tor's option lines never start with a dot): a data block as
 * tor's write_escaped_data sends one, with the leading dots doubled, an
 * empty line, and then an empty block.
 */
export const GETINFO_DOTS_AND_EMPTY =
  '250+dots=\r\n' +
  '..leading dot\r\n' +
  '...\r\n' +
  '\r\n' +
  'last.\r\n' +
  '.\r\n' +
  '250+empty=\r\n' +
  '.\r\n' +
  '250 OK\r\n'

/** A torrc that tor 0.4.9.11 accepted with 250 OK, exactly as written after "+LOADCONF\r\n". */
export const LOADCONF_ACCEPTED_DATA =
  'DataDirectory /tmp/rcap/data\r\n' +
  'DisableNetwork 1\r\n' +
  'SocksPort 0\r\n' +
  'ControlPort auto\r\n' +
  'ControlPortWriteToFile /tmp/rcap/cp\r\n' +
  'CookieAuthentication 1\r\n' +
  'ContactInfo .dot at start\r\n' +
  '.\r\n'
/** GETCONF ContactInfo after that LOADCONF. */
export const GETCONF_CONTACT_INFO_AFTER_LOADCONF = '250 ContactInfo=.dot at start\r\n'
export const LOADCONF_UNKNOWN_OPTION = "552 Invalid config file: Failed to parse/validate config: Unknown option 'NoSuchOption'.  Failing.\r\n"
/** The answer to a LOADCONF whose data held the stuffed line "..": tor read it back as ".". */
export const LOADCONF_STUFFED_DOT = "552 Invalid config file: Failed to parse/validate config: Unknown option '.'.  Failing.\r\n"
/** +HSPOST HSADDRESS=<valid id> with the data "hs-descriptor 3". */
export const HSPOST_INVALID_DESCRIPTOR = '554 Invalid descriptor\r\n'
export const HSPOST_MALFORMED_ADDRESS = '512 Malformed onion address\r\n'
export const HSPOST_EMPTY_BODY = '512 Bad arguments to +HSPOST: Empty body\r\n'
export const HSPOST_UNKNOWN_SERVER = '552 Server "$0000000000000000000000000000000000000000" not found\r\n'
// An +HSPOST without HSADDRESS got no answer at all from tor 0.4.9.11 (waited 3 s), so buildHsPost requires it.

export const ADD_ONION_COLLISION = '550 Onion address collision\r\n'
export const DEL_ONION_MALFORMED = '512 Malformed Onion Service id\r\n'
export const UNRECOGNIZED_COMMAND = '510 Unrecognized command "BOGUS"\r\n'
export const UNRECOGNIZED_KEY = '552 Unrecognized key "nosuchkey"\r\n'
export const UNRECOGNIZED_EVENT = '552 Unrecognized event "NOPE"\r\n'
export const AUTH_REQUIRED = '514 Authentication required.\r\n'
export const WRONG_PASSWORD = '515 Authentication failed: Password did not match HashedControlPassword *or* authentication cookie.\r\n'
export const WRONG_SAFECOOKIE_LENGTH = '515 Authentication failed: Wrong length for safe cookie response.\r\n'
export const CLIENT_AUTH_REPLACED = '251 Client for onion existed and replaced\r\n'

/** STATUS_CLIENT events from a tor pointed at a closed bridge on 127.0.0.1:1. */
export const STATUS_CLIENT_NOTICE = '650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay"\r\n'
export const STATUS_CLIENT_WARN =
  '650 STATUS_CLIENT WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay" WARNING="Connection refused" ' +
  'REASON=CONNECTREFUSED COUNT=1 RECOMMENDATION=warn HOSTID="0000000000000000000000000000000000000000" HOSTADDR="127.0.0.1:1"\r\n'
export const BOOTSTRAP_PHASE_WARN =
  'WARN BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to a relay" WARNING="Connection refused" REASON=CONNECTREFUSED ' +
  'COUNT=4 RECOMMENDATION=warn HOSTID="0000000000000000000000000000000000000000" HOSTADDR="127.0.0.1:1"'
export const BOOTSTRAP_PHASE_START = 'NOTICE BOOTSTRAP PROGRESS=0 TAG=starting SUMMARY="Starting"'

/**
 * HS_DESC events in the exact formats tor's own unit test asserts
 * (src/test/test_hs_control.c, test_hs_desc_event): HSDir long name
 * "$AAAA...=TestDir", a blinded key of 32 'B' bytes, HSDir indexes of 'C'/'D'.
 */
export const HS_ADDR = 'jt4grrjwzyz3pjkylwfau5xnjaj23vxmhskqaeyfhrfylelw4hvxcuyd'
export const HSDIR = '$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=TestDir'
export const BLINDED = 'QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI'
export const HS_DESC_REQUESTED = `650 HS_DESC REQUESTED ${HS_ADDR} NO_AUTH ${HSDIR} ${BLINDED} HSDIR_INDEX=${'43'.repeat(32)}\r\n`
export const HS_DESC_CREATED = `650 HS_DESC CREATED ${HS_ADDR} UNKNOWN UNKNOWN ${BLINDED}\r\n`
export const HS_DESC_UPLOAD = `650 HS_DESC UPLOAD ${HS_ADDR} UNKNOWN ${HSDIR} ${BLINDED} HSDIR_INDEX=${'44'.repeat(32)}\r\n`
export const HS_DESC_FAILED = `650 HS_DESC FAILED ${HS_ADDR} NO_AUTH ${HSDIR} ${BLINDED} REASON=BAD_DESC\r\n`
export const HS_DESC_RECEIVED = `650 HS_DESC RECEIVED ${HS_ADDR} NO_AUTH ${HSDIR} ${BLINDED}\r\n`
export const HS_DESC_UPLOADED = `650 HS_DESC UPLOADED ${HS_ADDR} UNKNOWN ${HSDIR}\r\n`
/** A v2-era line as tor's older unit test and other controllers quote it. */
export const HS_DESC_V2_REQUESTED = '650 HS_DESC REQUESTED ajhb7kljbiru65qo NO_AUTH $67B2BDA4264D8A189D9270E28B1D30A262838243=europa1 b3oeducbhjmbqmgw2i3jtz4fekkrinwj\r\n'
/** control-spec 4.1.25: FAILED with no HSDir known. */
export const HS_DESC_NO_HSDIR = `650 HS_DESC FAILED ${HS_ADDR} NO_AUTH UNKNOWN REASON=QUERY_NO_HSDIR\r\n`

/** control-spec 4.1.26: an asynchronous reply with a data block. */
export const HS_DESC_CONTENT =
  `650+HS_DESC_CONTENT ${HS_ADDR} ${BLINDED} ${HSDIR}\r\n` +
  'hs-descriptor 3\r\n' +
  '..a line that starts with a dot\r\n' +
  '.\r\n' +
  '650 OK\r\n'

/** The text of each line of a reply, without status and separator. */
export function lineText (wire: string): string {
  return wire.replace(/\r\n$/, '').slice(4)
}
