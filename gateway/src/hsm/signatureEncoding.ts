/**
 * Low-S normalisation and DER encoding of a raw P-256 ECDSA signature (r‖s, as CKM_ECDSA returns it).
 *
 * Done directly rather than through @noble/curves' Signature object because this sits on the hot path of every
 * HSM signature: building that object (with its range checks and BigInt arithmetic) costs about 8 µs, a sixth of
 * a SoftHSM signature, while this costs well under one. Tests check it against @noble/curves on random and
 * edge-case inputs.
 */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = P256_ORDER >> 1n;

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
}

function toFixed32(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
}

/** r‖s with s replaced by n−s when s is in the upper half of the order (Fabric and Bitcoin's low-S rule). */
export function lowSCompact(raw: Uint8Array): Buffer {
  if (raw.length !== 64) {
    throw new RangeError('a P-256 signature is 64 bytes r‖s');
  }
  const s = toBigInt(raw.subarray(32));
  if (s <= HALF_ORDER) {
    return Buffer.from(raw);
  }
  return Buffer.concat([Buffer.from(raw.subarray(0, 32)), toFixed32(P256_ORDER - s)]);
}

/** A positive DER INTEGER: minimal bytes, with a 0x00 pad when the top bit is set. */
function derInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) {
    start += 1;
  }
  const trimmed = bytes.subarray(start);
  const pad = (trimmed[0] ?? 0) & 0x80 ? 1 : 0;
  const out = Buffer.alloc(2 + pad + trimmed.length);
  out[0] = 0x02;
  out[1] = pad + trimmed.length;
  Buffer.from(trimmed).copy(out, 2 + pad);
  return out;
}

/** DER SEQUENCE { INTEGER r, INTEGER s } of the low-S form. */
export function lowSDer(raw: Uint8Array): Buffer {
  const compact = lowSCompact(raw);
  const r = derInteger(compact.subarray(0, 32));
  const s = derInteger(compact.subarray(32));
  return Buffer.concat([Buffer.from([0x30, r.length + s.length]), r, s]);
}
