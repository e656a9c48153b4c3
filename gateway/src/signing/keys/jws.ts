import type { JsonValue } from '../queue';
import { InvalidJwsRequestError } from './errors';
import type { SigningAlgorithm } from './jwk';

/** A JWT claims set: any JSON object (registered claims such as iss, sub, exp are the caller's to set). */
export type JwtClaims = { readonly [name: string]: JsonValue };

/**
 * Header members besides alg, kid and typ, which the signer sets. x5u (the issuing CA's certificate URL) and
 * x5c (base64 DER certificates, leaf first) are the ones issue 12 names; other JSON members pass through.
 */
export interface JwsHeaderExtras {
  readonly x5u?: string;
  readonly x5c?: readonly string[];
  readonly [name: string]: JsonValue | undefined;
}

export interface JwsSignRequest {
  readonly kid: string;
  readonly claims: JwtClaims;
  readonly header?: JwsHeaderExtras;
}

/**
 * Members the caller may not set: alg, kid and typ are the signer's; crit, b64 and zip would change how a
 * verifier reads the token (RFC 7515 §4.1.11, RFC 7797, RFC 7516) and this signer implements none of them;
 * jwk and jku would invite a verifier to take the key from the token itself.
 */
const RESERVED = new Set(['alg', 'kid', 'typ', 'crit', 'b64', 'zip', 'jwk', 'jku']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** base64url(header) '.' base64url(payload) — the bytes that are signed (RFC 7515 §5.1). */
export function signingInput(
  request: JwsSignRequest,
  alg: SigningAlgorithm,
  typ: string,
  index?: number,
): string {
  const header: Record<string, JsonValue> = { alg, kid: request.kid, typ };
  for (const [name, value] of Object.entries(request.header ?? {})) {
    if (value === undefined) {
      continue;
    }
    if (RESERVED.has(name)) {
      throw new InvalidJwsRequestError(`header member ${name} is set by the signer or not supported`, index);
    }
    checkJson(value, `header member ${name}`, index);
    header[name] = value;
  }
  checkCertificateMembers(header, index);
  if (!isPlainObject(request.claims)) {
    throw new InvalidJwsRequestError('claims must be a JSON object', index);
  }
  checkJson(request.claims, 'claims', index);
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(request.claims))}`;
}

function checkCertificateMembers(header: Record<string, JsonValue>, index: number | undefined): void {
  const { x5u, x5c } = header;
  if (x5u !== undefined && (typeof x5u !== 'string' || !/^https?:\/\//.test(x5u) || !URL.canParse(x5u))) {
    throw new InvalidJwsRequestError('x5u must be an absolute http(s) URL', index);
  }
  if (
    x5c !== undefined &&
    (!Array.isArray(x5c) ||
      x5c.length === 0 ||
      !x5c.every((cert) => typeof cert === 'string' && cert.length > 0 && BASE64.test(cert)))
  ) {
    // RFC 7515 §4.1.6: standard base64 (not base64url) DER, the leaf first.
    throw new InvalidJwsRequestError('x5c must be a non-empty array of base64 DER certificates', index);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** JSON.stringify would drop undefined members and throw on BigInt: refuse what is not JSON instead. */
function checkJson(value: unknown, what: string, index: number | undefined, depth = 0): void {
  if (depth > 32) {
    throw new InvalidJwsRequestError(`${what} is nested too deeply`, index);
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new InvalidJwsRequestError(`${what} holds a number JSON cannot carry`, index);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item) => checkJson(item, what, index, depth + 1));
    return;
  }
  if (isPlainObject(value)) {
    Object.values(value).forEach((item) => checkJson(item, what, index, depth + 1));
    return;
  }
  throw new InvalidJwsRequestError(`${what} is not JSON`, index);
}

export function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
