/**
 * RFC 9180 Appendix A.2.3: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * ChaCha20Poly1305, Auth mode (mode 2) — the exact suite and mode the wraps
 * use, for both KEM implementations src/seal/suite.ts can pick.
 *
 * @hpke/* do not ship their test vectors in the npm packages, so the values
 * are copied from the RFC text (draft-irtf-cfrg-hpke at AUTH48, section
 * B.2.3, which became RFC 9180 A.2.3): setup values, encryptions 0, 1, 2 and
 * 4, and the three exported values.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { defaultSuite, makeSuite, sealKeyId } from '../../../src/seal/suite.js'
import type { SuiteImplementation } from '../../../src/seal/suite.js'

const h = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const hx = (b: ArrayBuffer | Uint8Array): string => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex')

const A23 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmE: '938d3daa5a8904540bc24f48ae90eed3f4f7f11839560597b55e7c9598c996c0',
  pkEm: 'f7674cc8cd7baa5872d1f33dbaffe3314239f6197ddf5ded1746760bfc847e0e',
  ikmR: '64835d5ee64aa7aad57c6f2e4f758f7696617f8829e70bc9ac7a5ef95d1c756c',
  pkRm: '1a478716d63cb2e16786ee93004486dc151e988b34b475043d3e0175bdb01c44',
  skRm: '3ca22a6d1cda1bb9480949ec5329d3bf0b080ca4c45879c95eddb55c70b80b82',
  ikmS: '9d8f94537d5a3ddef71234c0baedfad4ca6861634d0b94c3007fed557ad17df6',
  pkSm: 'f0f4f9e96c54aeed3f323de8534fffd7e0577e4ce269896716bcb95643c8712b',
  skSm: '2def0cb58ffcf83d1062dd085c8aceca7f4c0c3fd05912d847b61f3e54121f05',
  enc: 'f7674cc8cd7baa5872d1f33dbaffe3314239f6197ddf5ded1746760bfc847e0e',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  encryptions: [
    { seq: 0, aad: '436f756e742d30', ct: 'ab1a13c9d4f01a87ec3440dbd756e2677bd2ecf9df0ce7ed73869b98e00c09be111cb9fdf077347aeb88e61bdf' },
    { seq: 1, aad: '436f756e742d31', ct: '3265c7807ffff7fdace21659a2c6ccffee52a26d270c76468ed74202a65478bfaedfff9c2b7634e24f10b71016' },
    { seq: 2, aad: '436f756e742d32', ct: '3aadee86ad2a05081ea860033a9d09dbccb4acac2ded0891da40f51d4df19925f7a767b076a5cbc9355c8fd35e' },
    { seq: 4, aad: '436f756e742d34', ct: '502ecccd5c2be3506a081809cc58b43b94f77cbe37b8b31712d9e21c9e61aa6946a8e922f54eae630f88eb8033' }
  ],
  exports: [
    { context: '', value: '070cffafd89b67b7f0eeb800235303a223e6ff9d1e774dce8eac585c8688c872' },
    { context: '00', value: '2852e728568d40ddb0edde284d36a4359c56558bb2fb8837cd3d92e46a3a14a8' },
    { context: '54657374436f6e74657874', value: '1df39dc5dd60edcbf5f9ae804e15ada66e885b28ed7929116f768369a3f950ee' }
  ]
}

for (const impl of ['webcrypto', 'noble'] as SuiteImplementation[]) {
  describe(`RFC 9180 A.2.3 (X25519, HKDF-SHA256, ChaCha20Poly1305, Auth) with the ${impl} KEM`, () => {
    const suite = makeSuite(impl)

    it('derives the RFC key pairs from ikmR and ikmS', async () => {
      const r = await suite.kem.deriveKeyPair(h(A23.ikmR))
      const s = await suite.kem.deriveKeyPair(h(A23.ikmS))
      assert.equal(hx(await suite.kem.serializePublicKey(r.publicKey)), A23.pkRm)
      assert.equal(hx(await suite.kem.serializePrivateKey(r.privateKey)), A23.skRm)
      assert.equal(hx(await suite.kem.serializePublicKey(s.publicKey)), A23.pkSm)
      assert.equal(hx(await suite.kem.serializePrivateKey(s.privateKey)), A23.skSm)
    })

    it('seals: enc, the encryptions and the exported values match the RFC byte for byte', async () => {
      const ctx = await suite.createSenderContext({
        recipientPublicKey: await suite.kem.deserializePublicKey(h(A23.pkRm)),
        senderKey: await suite.kem.deserializePrivateKey(h(A23.skSm)),
        info: h(A23.info),
        ekm: h(A23.ikmE)
      })
      assert.equal(hx(ctx.enc), A23.enc)
      assert.equal(A23.enc, A23.pkEm)
      let seq = 0
      for (const e of A23.encryptions) {
        // sequence numbers the RFC skips are spent on throwaway messages
        while (seq < e.seq) { await ctx.seal(h(A23.pt), h('')); seq++ }
        assert.equal(hx(await ctx.seal(h(A23.pt), h(e.aad))), e.ct, `encryption ${e.seq}`)
        seq++
      }
      for (const x of A23.exports) {
        assert.equal(hx(await ctx.export(h(x.context), 32)), x.value, `export ${x.context}`)
      }
    })

    it('opens the RFC ciphertexts with the recipient key, and refuses them without the sender\'s key', async () => {
      const params = {
        recipientKey: await suite.kem.deserializePrivateKey(h(A23.skRm)),
        enc: h(A23.enc),
        senderPublicKey: await suite.kem.deserializePublicKey(h(A23.pkSm)),
        info: h(A23.info)
      }
      const ctx = await suite.createRecipientContext(params)
      assert.equal(hx(await ctx.open(h(A23.encryptions[0].ct), h(A23.encryptions[0].aad))), A23.pt)
      // the same enc, but authenticated as a different sender: Auth mode refuses
      const other = await suite.kem.deriveKeyPair(h(A23.ikmE))
      await assert.rejects(suite.open({ ...params, senderPublicKey: other.publicKey }, h(A23.encryptions[0].ct), h(A23.encryptions[0].aad)), { name: 'OpenError' })
    })
  })
}

describe('seal suite selection', () => {
  it('uses the WebCrypto X25519 KEM on this Node (faster; same bytes as the pure-JS one)', async () => {
    assert.equal(await defaultSuite(), makeSuite('webcrypto'))
    assert.notEqual(makeSuite('noble'), makeSuite('webcrypto'))
  })

  it('key ids are the first 8 bytes of SHA-256("p2p-tor seal key id v1\\n" || public key)', () => {
    // SHA-256 of the label followed by 32 zero bytes, computed independently with node:crypto
    const expected = createHash('sha256').update('p2p-tor seal key id v1\n').update(new Uint8Array(32)).digest().subarray(0, 8)
    assert.equal(hx(sealKeyId(new Uint8Array(32))), expected.toString('hex'))
  })
})
