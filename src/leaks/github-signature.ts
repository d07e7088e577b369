// GitHub's secret scanning partner protocol signs each report with ECDSA P-256 over SHA-256 of the raw
// body: the key's id in Github-Public-Key-Identifier, the DER signature, base64, in
// Github-Public-Key-Signature. The public keys are configured (a file in the format GitHub publishes at
// /meta/public_keys/secret_scanning), never fetched: a report is trusted only by a key the operator put there.
import { createPublicKey, KeyObject, verify } from 'node:crypto';

export interface ScanningKey {
  id: string;
  key: KeyObject;
}

/** GitHub's document: {public_keys: [{key_identifier, key (PEM), is_current}]}. Throws with a reason. */
export function readScanningKeys(json: string): ScanningKey[] {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch {
    throw new Error('is not JSON');
  }
  const entries = (document as { public_keys?: unknown })?.public_keys;
  if (!Array.isArray(entries) || entries.length === 0) throw new Error('has no public_keys list');
  return entries.map((entry: { key_identifier?: unknown; key?: unknown }, n) => {
    if (typeof entry?.key_identifier !== 'string' || entry.key_identifier === '' || typeof entry.key !== 'string') {
      throw new Error(`public_keys[${n}] needs a key_identifier and a key`);
    }
    let key: KeyObject;
    try {
      key = createPublicKey(entry.key);
    } catch {
      throw new Error(`public_keys[${n}].key is not a PEM public key`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`public_keys[${n}].key is not an ECDSA P-256 key`);
    }
    return { id: entry.key_identifier, key };
  });
}

/** Whether `signature` (base64 DER) by the key `keyId` is valid over `body`. Unknown keys and junk are false. */
export function verifiesWithScanningKey(keys: readonly ScanningKey[], keyId: string, signature: string, body: Buffer): boolean {
  const found = keys.find((k) => k.id === keyId);
  if (!found || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify('sha256', body, { key: found.key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
