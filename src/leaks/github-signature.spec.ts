import { generateKeyPairSync, sign } from 'node:crypto';
import { readScanningKeys, verifiesWithScanningKey } from './github-signature';

const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (key: { export(o: object): string | Buffer }) => key.export({ type: 'spki', format: 'pem' }).toString();
const doc = (keys: object[]) => JSON.stringify({ public_keys: keys });

describe('readScanningKeys', () => {
  it('reads the document GitHub publishes', () => {
    const keys = readScanningKeys(doc([{ key_identifier: 'k1', key: pem(p256.publicKey), is_current: true }]));
    expect(keys.map((k) => k.id)).toEqual(['k1']);
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['no list', '{}', /no public_keys/],
    ['an empty list', doc([]), /no public_keys/],
    ['a key without id', doc([{ key: pem(p256.publicKey) }]), /key_identifier/],
    ['junk for a key', doc([{ key_identifier: 'k', key: 'junk' }]), /not a PEM public key/],
    [
      'an RSA key',
      doc([{ key_identifier: 'k', key: pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey) }]),
      /not an ECDSA P-256/,
    ],
    [
      'a P-384 key',
      doc([{ key_identifier: 'k', key: pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey) }]),
      /not an ECDSA P-256/,
    ],
  ])('refuses %s with the reason', (_label, text, reason) => {
    expect(() => readScanningKeys(text)).toThrow(reason);
  });
});

describe('verifiesWithScanningKey', () => {
  const keys = readScanningKeys(doc([{ key_identifier: 'k1', key: pem(p256.publicKey) }]));
  const body = Buffer.from('[{"token":"x","type":"t"}]');
  const signature = sign('sha256', body, { key: p256.privateKey, dsaEncoding: 'der' }).toString('base64');

  it.each([
    ['the signature by the named key', 'k1', signature, body, true],
    ['another key id', 'k2', signature, body, false],
    ['another body', 'k1', signature, Buffer.from('[]'), false],
    ['a signature cut short', 'k1', signature.slice(0, 20), body, false],
    ['junk', 'k1', '***', body, false],
    ['an empty signature', 'k1', '', body, false],
  ])('%s: %s', (_label, keyId, sig, data, verdict) => {
    expect(verifiesWithScanningKey(keys, keyId, sig, data)).toBe(verdict);
  });
});
