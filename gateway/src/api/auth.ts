import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { certificateFingerprint } from '../fabric';
import { ProblemError, type ApiCaller, type AuthenticatedCaller } from '../http';

/** Maps credentials to callers. Return undefined for an unknown credential. */
export interface IdentityResolver {
  byBearerToken(token: string): ApiCaller | undefined | Promise<ApiCaller | undefined>;
  /** `fingerprint`: hex SHA-256 of the DER of a client certificate the TLS layer verified against the CA. */
  byCertificateFingerprint(fingerprint: string): ApiCaller | undefined | Promise<ApiCaller | undefined>;
}

export interface StaticIdentity {
  readonly caller: ApiCaller;
  /** Bearer tokens of this caller. Only their SHA-256 digests are kept. */
  readonly tokens?: readonly string[];
  /** TLS client certificates (PEM) or their hex SHA-256 fingerprints that authenticate as this caller. */
  readonly certificates?: readonly string[];
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const HEX_FINGERPRINT = /^[0-9a-f]{64}$/;

/**
 * A fixed table of identities. Tokens are looked up by their SHA-256 digest, so the table never holds a
 * token and the lookup time does not depend on how much of a guessed token is right.
 */
export function staticIdentityResolver(identities: readonly StaticIdentity[]): IdentityResolver {
  const byToken = new Map<string, ApiCaller>();
  const byCert = new Map<string, ApiCaller>();
  for (const identity of identities) {
    for (const token of identity.tokens ?? []) {
      if (token.length < 16) {
        throw new Error(`bearer token of ${identity.caller.name} is too short (at least 16 characters)`);
      }
      const digest = sha256Hex(token);
      if (byToken.has(digest)) {
        throw new Error(`a bearer token of ${identity.caller.name} is already given to another caller`);
      }
      byToken.set(digest, identity.caller);
    }
    for (const certificate of identity.certificates ?? []) {
      const fingerprint = HEX_FINGERPRINT.test(certificate)
        ? certificate
        : certificateFingerprint(certificate);
      byCert.set(fingerprint, identity.caller);
    }
  }
  return {
    byBearerToken: (token) => byToken.get(sha256Hex(token)),
    byCertificateFingerprint: (fingerprint) => byCert.get(fingerprint),
  };
}

export const AUTH_REALM = 'keyledger';
/** RFC 6750 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const MAX_TOKEN_LENGTH = 4096;

function challenge(error?: 'invalid_request' | 'invalid_token', description?: string): string {
  const parts = [`Bearer realm="${AUTH_REALM}"`];
  if (error) {
    parts.push(`error="${error}"`);
  }
  if (description) {
    parts.push(`error_description="${description.replace(/["\\]/g, '')}"`);
  }
  return parts.join(', ');
}

function unauthorized(detail: string, error?: 'invalid_request' | 'invalid_token'): ProblemError {
  return new ProblemError('unauthorized', detail, {
    headers: { 'WWW-Authenticate': challenge(error, error ? detail : undefined) },
  });
}

/** The verified client certificate of a TLS request, if any. */
function clientCertificate(request: IncomingMessage): { fingerprint?: string; rejected?: string } {
  const socket = request.socket;
  if (!(socket instanceof TLSSocket)) {
    return {};
  }
  const peer = socket.getPeerCertificate();
  if (!peer || !peer.raw || peer.raw.length === 0) {
    return {};
  }
  if (!socket.authorized) {
    return { rejected: String(socket.authorizationError ?? 'not trusted') };
  }
  return { fingerprint: sha256Hex(peer.raw) };
}

/**
 * Authenticates a request. An `Authorization` header, if present, decides alone (it must carry a valid
 * bearer token); otherwise a TLS client certificate verified against the server's CA is looked up by its
 * fingerprint. Failures are 401 problems with a `WWW-Authenticate: Bearer` challenge; the token itself never
 * appears in an error or a log.
 */
export async function authenticate(
  request: IncomingMessage,
  resolver: IdentityResolver,
): Promise<AuthenticatedCaller> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) {
      const scheme = /^\S+/.exec(header)?.[0] ?? '';
      throw /^bearer$/i.test(scheme)
        ? unauthorized('the Authorization header has no bearer token', 'invalid_request')
        : unauthorized('only the Bearer authentication scheme is supported');
    }
    const token = match[1] as string;
    if (token.length > MAX_TOKEN_LENGTH || !B64TOKEN.test(token)) {
      throw unauthorized('the bearer token is malformed', 'invalid_token');
    }
    const caller = await resolver.byBearerToken(token);
    if (!caller) {
      throw unauthorized('the bearer token is not valid', 'invalid_token');
    }
    return { ...caller, authenticatedBy: 'bearer' };
  }
  const certificate = clientCertificate(request);
  if (certificate.rejected !== undefined) {
    throw unauthorized(
      `the client certificate is not trusted (${certificate.rejected}) and no bearer token was sent`,
    );
  }
  if (certificate.fingerprint !== undefined) {
    const caller = await resolver.byCertificateFingerprint(certificate.fingerprint);
    if (!caller) {
      throw unauthorized(
        `the client certificate (SHA-256 ${certificate.fingerprint}) is not mapped to a ledger identity`,
      );
    }
    return { ...caller, authenticatedBy: 'mtls' };
  }
  throw unauthorized(
    'authentication required: send Authorization: Bearer <token> or a TLS client certificate',
  );
}
