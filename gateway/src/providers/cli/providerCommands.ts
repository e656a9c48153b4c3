import { apiPath } from '../../client';
import {
  defineCommand,
  formatFields,
  formatTable,
  formatTime,
  integerOption,
  requiredOption,
  UsageError,
} from '../../command';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/;

export const providerStart = defineCommand({
  name: 'start',
  summary: 'run a key provider: CMKs in its own SoftHSM token, served over mutual TLS to orchestrators',
  description:
    'Registers the provider on the ledger (or updates its profile) with its endpoint, its TLS certificate, its ' +
    'region and the keys its token holds, publishes its key-wrapping public key, and serves until Ctrl-C. The ' +
    'identity file is the FabricConfig JSON of a member with role provider. Prints "provider NAME ready on URL".',
  options: {
    name: { type: 'string', value: 'NAME', description: 'the provider id on the ledger (required)' },
    region: { type: 'string', value: 'REGION', description: 'where it runs, e.g. eu-west (required)' },
    identity: {
      type: 'string',
      value: 'FILE',
      description: 'FabricConfig JSON of its ledger identity (required)',
    },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'its token, TLS identity and pid file (default .keyledger/providers/NAME)',
    },
    host: { type: 'string', value: 'HOST', description: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', value: 'PORT', description: 'port (default 0: any free port)' },
    'token-label': {
      type: 'string',
      value: 'LABEL',
      description: 'its SoftHSM token (default provider-NAME)',
    },
    'allow-fault-injection': {
      type: 'boolean',
      description: 'accept POST /v1/faults (latency, byzantine answers): tests and demonstrations only',
    },
  },
  api: false,
  async run(context) {
    const o = context.options;
    const name = requiredOption(o.name, '--name');
    const region = requiredOption(o.region, '--region');
    const identityFile = requiredOption(o.identity, '--identity');
    if (!NAME.test(name)) {
      throw new UsageError({ message: `--name ${name}: 1-31 characters of A-Z a-z 0-9 . _ -` });
    }
    const { runProviderStart } = await import('./providerStart.js');
    await runProviderStart(
      {
        name,
        region,
        identityFile,
        dataDir: o['data-dir'] ?? `.keyledger/providers/${name}`,
        host: o.host ?? '127.0.0.1',
        port: integerOption(o.port, '--port', { max: 65_535 }) ?? 0,
        tokenLabel: o['token-label'] ?? `provider-${name}`.slice(0, 32),
        allowFaultInjection: o['allow-fault-injection'] ?? false,
      },
      (line) => context.io.stdout.write(`${line}\n`),
    );
  },
});

interface ProviderView {
  readonly providerId: string;
  readonly endpoint: string;
  readonly region: string;
  readonly status: string;
  readonly keyIds: readonly string[];
  readonly score: number;
  readonly components: Readonly<Record<string, number>>;
  readonly live?: {
    readonly inFlight: number;
    readonly ewmaMs: number;
    readonly breaker: string;
    readonly outcomes: number;
  };
}

function percent(score: number): string {
  return `${(score / 100).toFixed(1)}%`;
}

export const providerList = defineCommand({
  name: 'list',
  summary: 'every provider: on-chain score, region, keys, and the live load and breaker state',
  options: {},
  api: true,
  async run(context) {
    const { body } = await context
      .client()
      .request<{ providers: ProviderView[] }>({ method: 'GET', path: '/v1/providers' });
    context.emit(body, () =>
      formatTable(
        ['PROVIDER', 'REGION', 'STATUS', 'SCORE', 'BREAKER', 'IN FLIGHT', 'LATENCY', 'KEYS'],
        body.providers.map((p) => [
          p.providerId,
          p.region,
          p.status,
          percent(p.score),
          p.live?.breaker ?? '-',
          p.live ? String(p.live.inFlight) : '-',
          p.live ? `${p.live.ewmaMs.toFixed(1)} ms` : '-',
          p.keyIds.join(',') || '-',
        ]),
      ),
    );
  },
});

export const providerShow = defineCommand({
  name: 'show',
  summary: 'one provider: profile, score components, counters and recent outcomes',
  args: [{ name: '<provider>', description: 'the provider id' }],
  options: {},
  api: true,
  async run(context) {
    const [providerId = ''] = context.args;
    const { body } = await context.client().request<{
      provider: ProviderView;
      stats: { successCount: number; failureCount: number };
      recent: RecentOutcome[];
    }>({ method: 'GET', path: apiPath`/v1/providers/${providerId}` });
    const p = body.provider;
    context.emit(body, () =>
      formatFields([
        ['provider', p.providerId],
        ['endpoint', p.endpoint],
        ['region', p.region],
        ['status', p.status],
        ['keys', p.keyIds.join(', ') || 'none'],
        ['score', percent(p.score)],
        [
          'components',
          Object.entries(p.components)
            .map(([name, value]) => `${name} ${percent(value)}`)
            .join(', '),
        ],
        ['outcomes', `${body.stats.successCount} ok, ${body.stats.failureCount} failed (on chain)`],
        [
          'live',
          p.live
            ? `breaker ${p.live.breaker}, ${p.live.inFlight} in flight, ${p.live.ewmaMs.toFixed(1)} ms`
            : undefined,
        ],
        [
          'recent',
          body.recent
            .slice(0, 5)
            .map((r) => `${formatTime(r.at)} ${describeRecent(r)}`)
            .join('\n          ') || 'none',
        ],
      ]),
    );
  },
});

type RecentOutcome =
  | { readonly at: number; readonly success: boolean; readonly latencyMs: number }
  | {
      readonly at: number;
      readonly from: number;
      readonly successes: number;
      readonly failures: number;
      readonly successLatencyMs: number;
    };

/** One call, or a tally: "412 ok, 3 failed in 4.9 s, 1.2 ms on average". */
function describeRecent(entry: RecentOutcome): string {
  if ('success' in entry) {
    return `${entry.success ? 'ok' : 'FAILED'} ${entry.latencyMs} ms`;
  }
  const mean =
    entry.successes > 0 ? `, ${(entry.successLatencyMs / entry.successes).toFixed(1)} ms on average` : '';
  return `${entry.successes} ok, ${entry.failures} failed in ${((entry.at - entry.from) / 1000).toFixed(1)} s${mean}`;
}
