import { signing } from '@keyledger/chaincode/protocol';
import { apiPath, type KeyLedgerClient } from '../client';
import {
  CheckFailedError,
  defineCommand,
  defineGroup,
  formatFields,
  formatTable,
  formatTime,
  parseDuration,
  requiredOption,
  UsageError,
  type CliEntry,
} from '../command';

/** A signing request as the API answers it. */
interface Operation {
  readonly id: string;
  readonly state: string;
  readonly done: boolean;
  readonly error?: { readonly code: string; readonly message: string };
  readonly result?: { readonly token: string; readonly kid: string };
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface KeyView {
  readonly kid: string;
  readonly status: string;
  readonly algorithm: string;
  readonly serviceId: string;
  readonly activatedAt?: number;
  readonly revokedAt?: number;
  readonly revocationReason?: string;
  readonly registeredAt: number;
}

interface Verdict {
  readonly valid: boolean;
  readonly reason?: string;
  readonly detail?: string;
  readonly kid?: string;
  readonly keyStatus?: string;
  readonly validatedBy?: string;
  readonly revocation?: { readonly checked: string; readonly policy: string; readonly crlNumber?: number };
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** The longest a status read waits on the server (its waitMs limit). */
const MAX_WAIT_MS = 10_000;

/** `NAME=VALUE`: the value as JSON when it parses (numbers, true, objects), else as a string. */
function parseClaim(text: string): [string, unknown] {
  const at = text.indexOf('=');
  if (at <= 0) {
    throw new UsageError({ message: `--claim ${text}: expected NAME=VALUE` });
  }
  const raw = text.slice(at + 1);
  try {
    return [text.slice(0, at), JSON.parse(raw) as unknown];
  } catch {
    return [text.slice(0, at), raw];
  }
}

function claimsOf(options: { claim?: string[]; claims?: string }): Record<string, unknown> {
  let claims: Record<string, unknown> = {};
  if (options.claims !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.claims);
    } catch (error) {
      throw new UsageError({ message: `--claims is not JSON: ${(error as Error).message}`, cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError({ message: '--claims must be a JSON object' });
    }
    claims = { ...(parsed as Record<string, unknown>) };
  }
  for (const text of options.claim ?? []) {
    const [name, value] = parseClaim(text);
    claims[name] = value;
  }
  if (Object.keys(claims).length === 0) {
    throw new UsageError({ message: 'name at least one claim: --claim NAME=VALUE or --claims JSON' });
  }
  return claims;
}

function renderOperation(operation: Operation): string {
  return formatFields([
    ['request', operation.id],
    ['state', operation.state],
    ['kid', operation.result?.kid],
    ['error', operation.error ? `${operation.error.code}: ${operation.error.message}` : undefined],
    ['accepted', formatTime(operation.createdAt)],
    ['updated', formatTime(operation.updatedAt)],
  ]);
}

function renderVerdict(verdict: Verdict): string {
  const revocation = verdict.revocation
    ? `${verdict.revocation.checked === 'crl' ? `CRL checked (number ${verdict.revocation.crlNumber ?? '?'})` : 'not checked'}, ${verdict.revocation.policy}`
    : undefined;
  return formatFields([
    ['valid', verdict.valid ? 'yes' : `no: ${verdict.reason ?? 'invalid'}`],
    ['why', verdict.detail],
    ['kid', verdict.kid],
    ['key status', verdict.keyStatus],
    ['validated by', verdict.validatedBy],
    ['revocation', revocation],
    ['subject', typeof verdict.claims?.['sub'] === 'string' ? verdict.claims['sub'] : undefined],
    [
      'expires',
      typeof verdict.claims?.['exp'] === 'number' ? formatTime(verdict.claims['exp'] * 1000) : undefined,
    ],
  ]);
}

/** A time given on the command line: epoch milliseconds, or an ISO-8601 date-time. */
function parseTime(text: string, option: string): number {
  if (/^\d{1,15}$/.test(text)) {
    return Number(text);
  }
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw new UsageError({
      message: `${option} ${text}: expected epoch milliseconds or an ISO-8601 time such as 2026-12-03T10:00:00Z`,
    });
  }
  return ms;
}

const request = defineCommand({
  name: 'request',
  summary: 'queue claims to be signed into a JWT; prints the request id (with --wait, the token)',
  description:
    'Needs the role signer or admin. A claim value is JSON when it parses (n=3 is a number), else a string. ' +
    'iss, iat, exp, jti, aud and keyledger are set by the service.',
  options: {
    claim: { type: 'string', multiple: true, value: 'NAME=VALUE', description: 'a claim; repeatable' },
    claims: { type: 'string', value: 'JSON', description: 'claims as one JSON object' },
    audience: { type: 'string', multiple: true, value: 'AUD', description: "the token's aud; repeatable" },
    lifetime: {
      type: 'string',
      value: '<dur>',
      description: 'from iat to exp, e.g. 15m (default 1h, at most 24h)',
    },
    wait: { type: 'boolean', description: 'wait until it is signed and print the token' },
  },
  fields: { 'body.claims': '--claim', 'body.audience': '--audience', 'body.lifetimeSeconds': '--lifetime' },
  api: true,
  async run(context) {
    const { audience, lifetime, wait } = context.options;
    const ms = lifetime === undefined ? undefined : parseDuration(lifetime, '--lifetime');
    if (ms !== undefined && (ms % 1000 !== 0 || ms === 0)) {
      throw new UsageError({ message: `--lifetime must be a whole number of seconds, got '${lifetime}'` });
    }
    const client = context.client();
    const { body } = await client.request<Operation>({
      method: 'POST',
      path: '/v1/signing/requests',
      body: {
        claims: claimsOf(context.options),
        ...(audience === undefined || audience.length === 0
          ? {}
          : { audience: audience.length === 1 ? audience[0] : audience }),
        ...(ms === undefined ? {} : { lifetimeSeconds: ms / 1000 }),
      },
    });
    if (!wait) {
      context.emit(body, () => body.id);
      return;
    }
    const done = await waitDone(client, body.id);
    context.emit(done, () => tokenOf(done));
  },
});

async function waitDone(client: KeyLedgerClient, id: string): Promise<Operation> {
  const { body } = await client.request<Operation>({
    method: 'GET',
    path: apiPath`/v1/signing/requests/${id}`,
    query: { waitMs: MAX_WAIT_MS },
    timeoutMs: MAX_WAIT_MS + 5_000,
  });
  return body;
}

/** The token of a done request, or why there is none. */
function tokenOf(operation: Operation): string {
  if (operation.result !== undefined) {
    return operation.result.token;
  }
  if (operation.error !== undefined) {
    throw new CheckFailedError(
      `request ${operation.id} failed: ${operation.error.code}: ${operation.error.message}`,
    );
  }
  throw new CheckFailedError(`request ${operation.id} is still ${operation.state}; try again`);
}

const ID_ARG = { name: '<request>', description: 'the request id `signing request` printed' } as const;

const status = defineCommand({
  name: 'status',
  summary: "a request's status: queued, signing, done (with its key id) or failed (with why)",
  args: [ID_ARG],
  options: { wait: { type: 'boolean', description: 'wait (up to 10 s) until it is done or failed' } },
  fields: { 'path.requestId': '<request>' },
  api: true,
  async run(context) {
    const [id = ''] = context.args;
    const client = context.client();
    const body = context.options.wait
      ? await waitDone(client, id)
      : (await client.request<Operation>({ method: 'GET', path: apiPath`/v1/signing/requests/${id}` })).body;
    context.emit(body, () => renderOperation(body));
  },
});

const token = defineCommand({
  name: 'token',
  summary: 'the signed token of a request (waits up to 10 s); only the token goes to stdout',
  args: [ID_ARG],
  options: {},
  fields: { 'path.requestId': '<request>' },
  api: true,
  async run(context) {
    const [id = ''] = context.args;
    const body = await waitDone(context.client(), id);
    context.emit(body, () => tokenOf(body));
  },
});

const verify = defineCommand({
  name: 'verify',
  summary: 'verify a token against the ledger (its key, revocation) and the CAs; exit code 6 when invalid',
  description:
    'Says exactly why a token is invalid: unknown kid, bad signature, expired, signed after its key was revoked ' +
    'or compromised, or a certificate path the CAs do not validate.',
  args: [{ name: '<jwt>', description: 'the compact JWS' }],
  options: {
    'soft-fail': {
      type: 'boolean',
      description: 'when no CRL can be fetched, trust the certificate path alone (default: hard-fail)',
    },
  },
  fields: { 'body.token': '<jwt>' },
  api: true,
  async run(context) {
    const [jwt = ''] = context.args;
    const { body } = await context.client().request<Verdict>({
      method: 'POST',
      path: '/v1/signing/verify',
      body: { token: jwt, revocation: context.options['soft-fail'] ? 'soft-fail' : 'hard-fail' },
    });
    context.emit(body, () => renderVerdict(body));
    if (!body.valid) {
      throw new CheckFailedError(`the token is not valid: ${body.reason ?? 'invalid'}: ${body.detail ?? ''}`);
    }
  },
});

const keys = defineCommand({
  name: 'keys',
  summary: 'the signing keys on the ledger; --active prints only the kid this service signs with',
  options: {
    status: {
      type: 'string',
      value: signing.SIGNING_KEY_STATUSES.join('|'),
      description: 'only keys with this status',
    },
    active: { type: 'boolean', description: 'print only the active kid' },
  },
  fields: { 'query.status': '--status' },
  api: true,
  async run(context) {
    const { body } = await context.client().request<{ keys: KeyView[]; activeKid?: string }>({
      method: 'GET',
      path: '/v1/signing/keys',
      query: { status: context.options.status },
    });
    if (context.options.active) {
      context.emit({ activeKid: body.activeKid ?? null }, () => {
        if (body.activeKid === undefined)
          throw new CheckFailedError('the signing service has no active key now');
        return body.activeKid;
      });
      return;
    }
    context.emit(body, () =>
      formatTable(
        ['KID', 'STATUS', 'ALG', 'SERVICE', 'SINCE'],
        body.keys.map((k) => [
          k.kid,
          k.status + (k.revocationReason ? ` (${k.revocationReason})` : ''),
          k.algorithm,
          k.serviceId,
          formatTime(k.revokedAt ?? k.activatedAt ?? k.registeredAt),
        ]),
      ),
    );
  },
});

const revoke = defineCommand({
  name: 'revoke',
  summary: 'revoke a signing key (as the caller); if it is the one signing, the service rotates at once',
  description:
    'reason: an RFC 5280 name. With --compromised-at, tokens signed before stay valid and later ones are ' +
    'rejected; keyCompromise without it rejects every token of the key.',
  args: [{ name: '<kid>', description: 'the key id (`signing keys` lists them)' }],
  options: {
    reason: { type: 'string', value: signing.REVOCATION_REASONS.join('|'), description: 'why (required)' },
    'compromised-at': {
      type: 'string',
      value: 'TIME',
      description: 'when it was compromised: epoch ms or ISO-8601',
    },
  },
  fields: { 'path.kid': '<kid>', 'body.reason': '--reason', 'body.compromisedAt': '--compromised-at' },
  api: true,
  async run(context) {
    const [kid = ''] = context.args;
    const reason = requiredOption(context.options.reason, '--reason');
    const at = context.options['compromised-at'];
    const { body } = await context.client().request<{
      revoked: KeyView;
      rotation?: { kid: string; cause: string };
    }>({
      method: 'POST',
      path: apiPath`/v1/signing/keys/${kid}/revoke`,
      body: { reason, ...(at === undefined ? {} : { compromisedAt: parseTime(at, '--compromised-at') }) },
    });
    context.emit(body, () =>
      formatFields([
        ['revoked', `${body.revoked.kid} (${body.revoked.revocationReason ?? reason})`],
        ['at', formatTime(body.revoked.revokedAt)],
        ['now signing with', body.rotation?.kid],
      ]),
    );
  },
});

/** `keyledger signing …`: the signing service's requests, tokens and keys. */
export const signingCommands: readonly CliEntry[] = [
  defineGroup('signing', 'the signing service: JWTs signed in the HSM, verified against the ledger and CAs', [
    request,
    status,
    token,
    verify,
    keys,
    revoke,
  ]),
];

/** `keyledger token verify <jwt>`: the same verification, where a user looks for things done with tokens. */
export const tokenVerifyCommand = verify;
