/** A JWS (RFC 7515 compact serialization) over a JSON payload, signed with an Ed25519 key (RFC 8037 `EdDSA`). */

export interface JwsInput {
  readonly keyId: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly typ?: string | undefined;
}

/** `BASE64URL(protected header) . BASE64URL(payload)`: the bytes the key signs. */
export function jwsSigningInput(input: JwsInput): string {
  const header = { alg: 'EdDSA', kid: input.keyId, ...(input.typ === undefined ? {} : { typ: input.typ }) };
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  return `${encode(header)}.${encode(input.payload)}`;
}

export function compactJws(signingInput: string, signature: Uint8Array): string {
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}
