import { apiPath } from '../../client';
import {
  defineCommand,
  defineGroup,
  integerOption,
  parseDuration,
  readFileOption,
  UsageError,
  type CommandGroup,
} from '../../command';
import { misbehaveCommand, verifyCommand } from './checkCommands';
import {
  renderCeremony,
  renderKey,
  renderModule,
  renderModules,
  renderPolicy,
  renderSession,
  type CeremonyView,
  type KeyView,
  type ModuleDetailView,
  type ModuleView,
  type PolicyView,
  type SessionView,
  type SignView,
} from './views';

/*
 * `keyledger threshold …`: threshold key custody over the REST API. Only types come from the threshold code: the
 * dispatcher must not load the HSM or Fabric layers for a REST command.
 */

const MODES = ['dkg', 'dealer'] as const;
type Mode = (typeof MODES)[number];

const KEY_ARG = { name: '<keyId>', description: 'the threshold key id' } as const;

/** Ceremonies and sessions wait for every module: give them longer than a control-plane call. */
const CEREMONY_TIMEOUT_MS = 180_000;

function modeOption(value: string | undefined): Mode | undefined {
  if (value === undefined) return undefined;
  if (!(MODES as readonly string[]).includes(value)) {
    throw new UsageError({ message: `--mode must be ${MODES.join(' or ')}, got '${value}'` });
  }
  return value as Mode;
}

function listOption(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

interface PolicyOptions {
  readonly t?: string | undefined;
  readonly n?: string | undefined;
  readonly 'min-trust'?: string | undefined;
  readonly 'attestation-max-age'?: string | undefined;
}

/** The policy `keygen` sets first: all of --t, --n and --min-trust, or none of them. */
function policyOptions(o: PolicyOptions): Record<string, number> | undefined {
  const given = (['t', 'n', 'min-trust'] as const).filter((name) => o[name] !== undefined);
  if (given.length === 0) {
    if (o['attestation-max-age'] !== undefined) {
      throw new UsageError({ message: '--attestation-max-age needs --t, --n and --min-trust' });
    }
    return undefined;
  }
  if (given.length < 3) {
    const missing = (['t', 'n', 'min-trust'] as const).filter((name) => o[name] === undefined);
    throw new UsageError({
      message: `setting the policy needs --t, --n and --min-trust together (missing ${missing.map((m) => `--${m}`).join(', ')})`,
    });
  }
  const t = integerOption(o.t, '--t', { min: 2, max: 255 }) as number;
  const n = integerOption(o.n, '--n', { min: 2, max: 255 }) as number;
  if (t > n) {
    throw new UsageError({ message: `--t ${t} must not exceed --n ${n}` });
  }
  const minTrust = integerOption(o['min-trust'], '--min-trust', { min: 0, max: 1000 }) as number;
  const age = o['attestation-max-age'];
  const attestationMaxAgeSeconds =
    age === undefined ? undefined : Math.round(parseDuration(age, '--attestation-max-age') / 1000);
  return {
    t,
    n,
    minTrust,
    ...(attestationMaxAgeSeconds === undefined ? {} : { attestationMaxAgeSeconds }),
  };
}

const keygen = defineCommand({
  name: 'keygen',
  summary:
    'generate a threshold key in the modules (role admin); with --t/--n/--min-trust, set its policy first',
  description:
    'DKG by default: no process ever holds the key. With --mode dealer one module deals the shares. Prints ' +
    'the epoch, the group public key and the modules holding shares.',
  args: [KEY_ARG],
  options: {
    mode: { type: 'string', value: MODES.join('|'), description: 'dkg (default) or dealer' },
    t: { type: 'string', value: 'N', description: 'policy: signatures need t modules (2-255)' },
    n: { type: 'string', value: 'N', description: 'policy: modules holding shares (t-255)' },
    'min-trust': { type: 'string', value: 'N', description: 'policy: lowest trust score drawn (0-1000)' },
    'attestation-max-age': {
      type: 'string',
      value: '<dur>',
      description: 'policy: draw only modules attested this recently (1m-7d)',
    },
    modules: {
      type: 'string',
      value: 'ID,ID,…',
      description: 'the modules to hold shares (default: most trusted)',
    },
    dealer: { type: 'string', value: 'ID', description: 'the dealing module (--mode dealer)' },
  },
  fields: {
    'path.keyId': '<keyId>',
    'body.keyId': '<keyId>',
    'body.t': '--t',
    'body.n': '--n',
    'body.minTrust': '--min-trust',
    'body.attestationMaxAgeSeconds': '--attestation-max-age',
    'body.mode': '--mode',
    'body.modules': '--modules',
    'body.dealer': '--dealer',
  },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const o = context.options;
    const mode = modeOption(o.mode);
    const policy = policyOptions(o);
    const modules = listOption(o.modules);
    const client = context.client();
    const policyView =
      policy === undefined
        ? undefined
        : (
            await client.request<PolicyView>({
              method: 'PUT',
              path: apiPath`/v1/threshold/keys/${keyId}/policy`,
              body: policy,
            })
          ).body;
    const { body } = await client.request<CeremonyView>({
      method: 'POST',
      path: '/v1/threshold/keys',
      body: {
        keyId,
        ...(mode === undefined ? {} : { mode }),
        ...(modules === undefined ? {} : { modules }),
        ...(o.dealer === undefined ? {} : { dealer: o.dealer }),
      },
      timeoutMs: CEREMONY_TIMEOUT_MS,
    });
    context.emit(policyView === undefined ? body : { policy: policyView, ceremony: body }, () =>
      [
        ...(policyView === undefined ? [] : [renderPolicy(policyView), '']),
        `key ${body.keyId} generated (epoch ${body.epoch})`,
        renderCeremony(body),
      ].join('\n'),
    );
  },
});

/** The sign request's body: exactly one of the three inputs. */
function signRequest(
  o: Readonly<{
    message?: string | undefined;
    file?: string | undefined;
    'jws-payload'?: string | undefined;
    typ?: string | undefined;
  }>,
  readFile: (path: string) => Buffer,
): Record<string, unknown> {
  const given = (['message', 'file', 'jws-payload'] as const).filter((name) => o[name] !== undefined);
  if (given.length !== 1) {
    throw new UsageError({
      message:
        given.length === 0
          ? 'give what to sign: --message TEXT, --file FILE or --jws-payload JSON'
          : `give one of --message, --file and --jws-payload, not ${given.map((g) => `--${g}`).join(' and ')}`,
    });
  }
  if (o.typ !== undefined && o['jws-payload'] === undefined) {
    throw new UsageError({ message: '--typ is for --jws-payload' });
  }
  if (o['jws-payload'] !== undefined) {
    let payload: unknown;
    try {
      payload = JSON.parse(o['jws-payload']);
    } catch (error) {
      throw new UsageError({
        message: `--jws-payload is not JSON: ${(error as Error).message}`,
        cause: error,
      });
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new UsageError({ message: '--jws-payload must be a JSON object' });
    }
    return { jws: { payload, ...(o.typ === undefined ? {} : { header: { typ: o.typ } }) } };
  }
  const bytes = o.message !== undefined ? Buffer.from(o.message, 'utf8') : readFile(o.file ?? '');
  return { message: bytes.toString('base64') };
}

const sign = defineCommand({
  name: 'sign',
  summary: 'sign with a threshold key (role orchestrator or admin); prints the signature or the JWS',
  description:
    'Prints the Ed25519 signature (base64url) or, with --jws-payload, the compact JWS (alg EdDSA, kid the ' +
    'key id) on stdout; the session, its coordinator and the signers go to stderr.',
  args: [KEY_ARG],
  options: {
    message: { type: 'string', value: 'TEXT', description: 'the message, as UTF-8 text' },
    file: { type: 'string', value: 'FILE', description: 'the message: the bytes of FILE (at most 64 KiB)' },
    'jws-payload': {
      type: 'string',
      value: 'JSON',
      description: 'sign a JWS over this JSON object (≤ 8 KiB)',
    },
    typ: { type: 'string', value: 'TYP', description: "the JWS header's typ (e.g. JWT)" },
  },
  fields: {
    'path.keyId': '<keyId>',
    'body.message': '--message/--file',
    'body.jws': '--jws-payload',
    'body.jws.payload': '--jws-payload',
    'body.jws.header.typ': '--typ',
  },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const request = signRequest(context.options, (path) => readFileOption(context.io, path, '--file'));
    const { body } = await context.client().request<SignView>({
      method: 'POST',
      path: apiPath`/v1/threshold/keys/${keyId}/sign`,
      body: request,
      timeoutMs: CEREMONY_TIMEOUT_MS,
    });
    context.emit(body, () => {
      const cheaters = body.cheaters.length > 0 ? `; cheaters ${body.cheaters.join(', ')}` : '';
      context.io.stderr.write(
        `signed in session ${body.sessionId} (epoch ${body.epoch}, coordinator ${body.coordinator}, signers ${body.signers.join(', ')}${cheaters})\n`,
      );
      return body.jws ?? body.signature;
    });
  },
});

const refresh = defineCommand({
  name: 'refresh',
  summary: "refresh a key's shares (role admin): a new epoch, the same group public key",
  args: [KEY_ARG],
  options: {},
  fields: { 'path.keyId': '<keyId>' },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const { body } = await context.client().request<CeremonyView>({
      method: 'POST',
      path: apiPath`/v1/threshold/keys/${keyId}/refresh`,
      timeoutMs: CEREMONY_TIMEOUT_MS,
    });
    context.emit(body, () =>
      [`key ${body.keyId} refreshed (epoch ${body.epoch})`, renderCeremony(body)].join('\n'),
    );
  },
});

const key = defineCommand({
  name: 'key',
  summary: 'a threshold key: policy, epoch, group public key and share acknowledgements',
  args: [KEY_ARG],
  options: {},
  fields: { 'path.keyId': '<keyId>' },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const { body } = await context
      .client()
      .request<KeyView>({ method: 'GET', path: apiPath`/v1/threshold/keys/${keyId}` });
    context.emit(body, () => renderKey(body));
  },
});

const modules = defineCommand({
  name: 'modules',
  summary: 'the security modules with their trust score, status and counters',
  options: {
    'min-score': { type: 'string', value: 'N', description: 'only modules scoring at least N (0-1000)' },
  },
  fields: { 'query.minScore': '--min-score' },
  api: true,
  async run(context) {
    const { body } = await context.client().request<{ modules: ModuleView[] }>({
      method: 'GET',
      path: '/v1/threshold/modules',
      query: { minScore: integerOption(context.options['min-score'], '--min-score', { max: 1000 }) },
    });
    context.emit(body, () => [renderModules(body.modules), `${body.modules.length} modules`].join('\n'));
  },
});

const moduleCommand = defineCommand({
  name: 'module',
  summary: 'one security module: trust score, counters and recent trust events',
  args: [{ name: '<moduleId>', description: 'the module id' }],
  options: {},
  fields: { 'path.moduleId': '<moduleId>' },
  api: true,
  async run(context) {
    const [moduleId = ''] = context.args;
    const { body } = await context
      .client()
      .request<ModuleDetailView>({ method: 'GET', path: apiPath`/v1/threshold/modules/${moduleId}` });
    context.emit(body, () => renderModule(body));
  },
});

const session = defineCommand({
  name: 'session',
  summary: 'a signing or reconstruction session: eligible modules, coordinator, outcome, cheaters',
  args: [{ name: '<sessionId>', description: 'the session id (sign printed it)' }],
  options: {},
  fields: { 'path.sessionId': '<sessionId>' },
  api: true,
  async run(context) {
    const [sessionId = ''] = context.args;
    const { body } = await context
      .client()
      .request<SessionView>({ method: 'GET', path: apiPath`/v1/threshold/sessions/${sessionId}` });
    context.emit(body, () => renderSession(body));
  },
});

/** `keyledger threshold …`. */
export const thresholdGroup: CommandGroup = defineGroup(
  'threshold',
  'threshold key custody: keys split across security modules — keygen, sign, refresh, keys, modules, sessions',
  [keygen, sign, verifyCommand, refresh, key, modules, moduleCommand, session, misbehaveCommand],
);
