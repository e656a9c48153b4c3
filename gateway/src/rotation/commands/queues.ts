import { apiPath } from '../../client';
import {
  defineCommand,
  defineGroup,
  formatDuration,
  formatFields,
  formatTable,
  formatTime,
  integerOption,
  parseDuration,
  requiredOption,
  type CliEntry,
} from '../../command';
import { keyPolicyBody } from '../schemas';
import type { ActiveKey, CommittedRotationView, KeyPolicy, QueueSummary, RotationDue } from '../types';
import { requireCommitted, WAIT_OPTIONS, waitOutcome, waitRequest } from './wait';

const QUEUE_ARG = { name: '<queue>', description: 'the queue id' } as const;

/**
 * Whether this gateway's API takes a policy field (`minRotationIntervalMs`): fields arrive in the chaincode and
 * the API at different times, and a walk-through must show only what works.
 */
export function acceptsPolicyField(field: string): boolean {
  return field in keyPolicyBody.shape;
}

/** Policy fields the chaincode may add (minimum rotation interval, retention by time): shown when present. */
type PolicyView = KeyPolicy & { readonly minRotationIntervalMs?: number; readonly retentionMs?: number };

function retention(policy: PolicyView): string {
  const versions = `${policy.retentionVersions} version${policy.retentionVersions === 1 ? '' : 's'}`;
  return policy.retentionMs === undefined ? versions : `${versions}, ${formatDuration(policy.retentionMs)}`;
}

function renderPolicy(policy: PolicyView): string {
  return formatFields([
    ['queue', policy.queueId],
    ['algorithm', policy.algorithm],
    ['rotation interval', formatDuration(policy.rotationIntervalMs)],
    ['max messages', String(policy.maxMessages)],
    [
      'min interval',
      policy.minRotationIntervalMs === undefined ? undefined : formatDuration(policy.minRotationIntervalMs),
    ],
    ['retention', retention(policy)],
    ['proposal ttl', formatDuration(policy.proposalTtlMs)],
    ['created', formatTime(policy.createdAt)],
    ['updated', `${formatTime(policy.updatedAt)} by ${policy.updatedBy}`],
  ]);
}

const list = defineCommand({
  name: 'list',
  summary: 'every queue with its key policy and active key version',
  options: {},
  api: true,
  async run(context) {
    const { body } = await context
      .client()
      .request<{ items: (QueueSummary & PolicyView)[] }>({ method: 'GET', path: '/v1/queues' });
    context.emit(body, () =>
      body.items.length === 0
        ? 'no queues yet: create one with `keyledger queue policy set <queue> --interval 1h --max-messages 100000`'
        : formatTable(
            ['QUEUE', 'VERSION', 'INTERVAL', 'MAX MESSAGES', 'RETENTION', 'UPDATED'],
            body.items.map((queue) => [
              queue.queueId,
              queue.activeVersion === 0 ? '-' : String(queue.activeVersion),
              formatDuration(queue.rotationIntervalMs),
              String(queue.maxMessages),
              retention(queue),
              formatTime(queue.updatedAt),
            ]),
          ),
    );
  },
});

const policyGet = defineCommand({
  name: 'get',
  summary: "a queue's key policy",
  args: [QUEUE_ARG],
  options: {},
  api: true,
  async run(context) {
    const [queueId = ''] = context.args;
    const { body } = await context
      .client()
      .request<PolicyView>({ method: 'GET', path: apiPath`/v1/queues/${queueId}/policy` });
    context.emit(body, () => renderPolicy(body));
  },
});

const policySet = defineCommand({
  name: 'set',
  summary: 'create a queue or replace its key policy (admin)',
  description:
    'A new queue gets its first key from the validators: proposed, approved by a quorum, loaded by the front-end ' +
    'nodes. With --wait the command returns once that has happened. The policy is replaced as a whole: give ' +
    'every value you want to keep. Durations: 90s, 15m, 1h, 7d (units ms, s, m, h, d).',
  args: [QUEUE_ARG],
  options: {
    interval: { type: 'string', value: '<dur>', description: 'rotate at least this often (required)' },
    'max-messages': {
      type: 'string',
      value: 'N',
      description: 'rotate after this many messages under one key version (required)',
    },
    'retention-versions': {
      type: 'string',
      value: 'N',
      description: 'key versions front-ends keep for older messages',
    },
    retention: {
      type: 'string',
      value: '<dur>',
      description: 'keep a replaced key version at least this long',
    },
    'min-interval': {
      type: 'string',
      value: '<dur>',
      description: 'refuse rotations closer together than this',
    },
    'proposal-ttl': {
      type: 'string',
      value: '<dur>',
      description: 'how long a rotation proposal stays open',
    },
    ...WAIT_OPTIONS,
  },
  fields: {
    'body.rotationIntervalMs': '--interval',
    'body.maxMessages': '--max-messages',
    'body.retentionVersions': '--retention-versions',
    'body.retentionMs': '--retention',
    'body.minRotationIntervalMs': '--min-interval',
    'body.proposalTtlMs': '--proposal-ttl',
    'query.waitTimeoutMs': '--wait-timeout',
  },
  api: true,
  async run(context) {
    const [queueId = ''] = context.args;
    const { options } = context;
    const optionalDuration = (value: string | undefined, option: string): number | undefined =>
      value === undefined ? undefined : parseDuration(value, option);
    // Only what the user gave is sent: ranges are the ledger's to enforce (its answer names the field).
    const policy = {
      rotationIntervalMs: parseDuration(requiredOption(options.interval, '--interval'), '--interval'),
      maxMessages: integerOption(requiredOption(options['max-messages'], '--max-messages'), '--max-messages'),
      algorithm: 'AES-256-GCM',
      proposalTtlMs: optionalDuration(options['proposal-ttl'], '--proposal-ttl'),
      retentionVersions: integerOption(options['retention-versions'], '--retention-versions'),
      retentionMs: optionalDuration(options.retention, '--retention'),
      minRotationIntervalMs: optionalDuration(options['min-interval'], '--min-interval'),
    };
    const waited = waitRequest(options);
    const response = await context.client().request<{ policy: PolicyView; created: boolean }>({
      method: 'PUT',
      path: apiPath`/v1/queues/${queueId}/policy`,
      query: waited.query,
      body: Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined)),
      timeoutMs: waited.timeoutMs,
    });
    const outcome = waitOutcome(response, waited);
    const { body } = response;
    context.emit(body, () => {
      const rule = `rotate every ${formatDuration(body.policy.rotationIntervalMs)} or after ${body.policy.maxMessages} messages`;
      const key =
        outcome === 'committed'
          ? '; its key is committed and loaded by every front-end node'
          : body.created && outcome === undefined
            ? '; the validators now propose its first key (--wait waits for it)'
            : '';
      return `queue ${queueId} ${body.created ? 'created' : 'updated'}: ${rule}${key}`;
    });
    requireCommitted(outcome, `queue ${queueId}`);
  },
});

const key = defineCommand({
  name: 'key',
  summary: "a queue's active key version (metadata, never key bytes) and whether a rotation is due",
  args: [QUEUE_ARG],
  options: {},
  api: true,
  async run(context) {
    const [queueId = ''] = context.args;
    const { body } = await context.client().request<{ active: ActiveKey | null; due: RotationDue }>({
      method: 'GET',
      path: apiPath`/v1/queues/${queueId}/key`,
    });
    const { active, due } = body;
    context.emit(body, () =>
      formatFields([
        ['queue', queueId],
        ['version', active ? String(active.version) : 'none committed yet'],
        ['key id', active?.keyId],
        ['check value', active?.keyCheckValue],
        ['committed', active ? formatTime(active.committedAt) : undefined],
        ['compromised', active ? (active.compromised ? 'YES' : 'no') : undefined],
        ['messages', `${due.messages} of ${due.maxMessages}`],
        ['rotation due', due.due ? `yes (${due.reasons.join(', ')})` : 'no'],
        [
          'open proposal',
          due.openProposal
            ? `${due.openProposal.proposalId} (version ${due.openProposal.version})`
            : undefined,
        ],
      ]),
    );
  },
});

const history = defineCommand({
  name: 'history',
  summary: "a queue's committed key versions, oldest first",
  args: [QUEUE_ARG],
  options: { since: { type: 'string', value: 'N', description: 'only versions above N (default 0: all)' } },
  api: true,
  async run(context) {
    const [queueId = ''] = context.args;
    const since = integerOption(context.options.since, '--since');
    const { body } = await context.client().request<{ rotations: CommittedRotationView[] }>({
      method: 'GET',
      path: apiPath`/v1/queues/${queueId}/history`,
      query: { since },
    });
    context.emit(body, () =>
      body.rotations.length === 0
        ? `queue ${queueId} has no committed key version${since ? ` above ${since}` : ''}`
        : formatTable(
            ['VERSION', 'KEY ID', 'CHECK', 'REASON', 'COMMITTED', 'APPROVALS', 'COMPROMISED'],
            body.rotations.map((rotation) => [
              String(rotation.version),
              rotation.keyId,
              rotation.keyCheckValue,
              rotation.reason,
              formatTime(rotation.committedAt),
              `${rotation.approvals.length}/${rotation.quorum}`,
              rotation.compromised ? 'YES' : 'no',
            ]),
          ),
    );
  },
});

/** `queue list|key|policy get|policy set` and `history`. */
export const queueCommands: readonly CliEntry[] = [
  defineGroup('queue', 'queues, their key policies and active keys', [
    list,
    key,
    defineGroup('policy', "a queue's key policy", [policyGet, policySet]),
  ]),
  history,
];
