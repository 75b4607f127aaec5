/**
 * The transport's own error classes: the names and the messages a user
 * reads (what happened, what to do next), with the service id and, for a
 * failed publication, each distinct upload failure reason once.
 */
import assert from 'node:assert/strict'
import { MissingOnionKeyError, NoControlPortError, OnionPublishFailedError } from '../../../transports/tor/errors.js'

const ID = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd'

describe('transport errors: messages', () => {
  it('MissingOnionKeyError names the address and says how to pass its key', () => {
    const err = new MissingOnionKeyError(ID)
    assert.equal(err.name, 'MissingOnionKeyError')
    assert.equal(err.serviceId, ID)
    assert.equal(err.message, `cannot listen on ${ID}.onion: the transport holds no key for it; pass the key (tor({ key }) or tor({ keyFile })) whose address this is, or listen on the address of a key you hold (see onionListenAddress())`)
  })

  it('OnionPublishFailedError lists each distinct reason once, in order, and nothing when there is none', () => {
    const cause = new Error('uploads failed')
    const err = new OnionPublishFailedError(ID, ['UPLOAD_REJECTED', 'QUERY_NO_HSDIR', 'UPLOAD_REJECTED'], { cause })
    assert.equal(err.name, 'OnionPublishFailedError')
    assert.equal(err.serviceId, ID)
    assert.deepEqual(err.reasons, ['UPLOAD_REJECTED', 'QUERY_NO_HSDIR', 'UPLOAD_REJECTED'])
    assert.equal(err.cause, cause)
    assert.equal(err.message, `every descriptor upload for ${ID}.onion failed (UPLOAD_REJECTED, QUERY_NO_HSDIR): check tor's clock and network, then listen again`)
    assert.equal(new OnionPublishFailedError(ID, ['X']).message, `every descriptor upload for ${ID}.onion failed (X): check tor's clock and network, then listen again`)
    assert.equal(new OnionPublishFailedError(ID, []).message, `every descriptor upload for ${ID}.onion failed: check tor's clock and network, then listen again`)
  })

  it('NoControlPortError says listening needs the control port and how to give one', () => {
    const err = new NoControlPortError()
    assert.equal(err.name, 'NoControlPortError')
    assert.equal(err.message, 'listening needs tor\'s control port, but only a SOCKS port was configured: pass control (e.g. "127.0.0.1:9051"), or let the transport manage its own tor')
  })
})
