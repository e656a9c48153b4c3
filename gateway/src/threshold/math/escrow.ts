import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { Fn, parsePoint, parseScalar } from './points';
import { wipe } from './wipe';

/** An escrowed secret: sealed to a threshold key's group public key, opened only with the group secret. */
export interface EscrowBlob {
  /** R = r·G, lowercase hex. */
  readonly ephemeral: string;
  /** AES-256-GCM nonce, tag and ciphertext, standard base64. */
  readonly iv: string;
  readonly tag: string;
  readonly ciphertext: string;
}

const INFO_LABEL = 'keyledger/threshold-escrow';
const MAX_PLAINTEXT = 4096;

function keyFor(shared: Uint8Array, ephemeral: Uint8Array, groupKey: Uint8Array, context: string): Buffer {
  const info = Buffer.concat([
    Buffer.from(INFO_LABEL, 'utf8'),
    Buffer.from([0]),
    Buffer.from(ephemeral),
    Buffer.from(groupKey),
    Buffer.from([0]),
    Buffer.from(context, 'utf8'),
  ]);
  return Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(32), info, 32));
}

/**
 * Seals `plaintext` to the group public key Y (ECIES over edwards25519: R = r·G, Z = r·Y, key = HKDF-SHA256(Z,
 * info = label ‖ R ‖ Y ‖ context), AES-256-GCM with `context` as AAD). Anyone can seal; opening needs s with
 * Y = s·G, which no module holds — only a reconstruction session rebuilds it, for the one call.
 */
export function sealToGroupKey(
  groupPublicKey: Uint8Array,
  plaintext: Uint8Array,
  context: string,
): EscrowBlob {
  if (plaintext.length === 0 || plaintext.length > MAX_PLAINTEXT) {
    throw new RangeError(`an escrowed secret is 1 to ${MAX_PLAINTEXT} bytes`);
  }
  const y = parsePoint(groupPublicKey);
  const wide = randomBytes(64);
  const r = Fn.create(BigInt(`0x${wide.toString('hex')}`));
  wipe(wide);
  const ephemeral = ed25519.Point.BASE.multiply(r).toBytes();
  const shared = y.multiply(r).toBytes();
  const key = keyFor(shared, ephemeral, groupPublicKey, context);
  const iv = randomBytes(12);
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      ephemeral: Buffer.from(ephemeral).toString('hex'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  } finally {
    wipe(key, shared);
  }
}

/** Opens an escrow blob with the group secret scalar (32 bytes LE). Throws when it does not authenticate. */
export function openWithGroupSecret(
  groupSecret: Uint8Array,
  groupPublicKey: Uint8Array,
  blob: EscrowBlob,
  context: string,
): Buffer {
  const s = parseScalar(groupSecret);
  const ephemeral = Buffer.from(blob.ephemeral, 'hex');
  const shared = parsePoint(ephemeral).multiply(s).toBytes();
  const key = keyFor(shared, ephemeral, groupPublicKey, context);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(blob.iv, 'base64'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(blob.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(blob.ciphertext, 'base64')), decipher.final()]);
  } finally {
    wipe(key, shared);
  }
}
