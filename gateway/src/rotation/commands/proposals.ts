import { apiPath, type ApiResponse } from '../../client';
import {
  defineCommand,
  defineGroup,
  formatFields,
  formatTable,
  formatTime,
  integerOption,
  requiredOption,
  type CliEntry,
} from '../../command';
import type { RotationProposal } from '../types';
import { requireCommitted, WAIT_OPTIONS, waitOutcome, waitRequest } from './wait';

const QUEUE_ARG = { name: '<queue>', description: 'the queue id' } as const;
const ID_ARG = {
  name: '<id>',
  description: 'the proposal id (`keyledger proposals list` shows the open ones)',
} as const;

/** One entry of `GET /v1/proposals`. */
interface ProposalSummary {
  readonly proposalId: string;
  readonly queueId: string;
  readonly version: number;
  readonly reason: string;
  readonly proposer: string;
  readonly proposedAt: number;
  readonly expiresAt: number;
  readonly expired: boolean;
}

function approvals(proposal: RotationProposal): string {
  return `${proposal.approvals.length} of ${proposal.quorum ?? proposal.quorumAtProposal} approvals`;
}

/** One line: where a proposal stands after a command acted on it. */
function proposalLine(proposal: RotationProposal, outcome: string | undefined): string {
  const subject = `queue ${proposal.queueId} key version ${proposal.version}`;
  const id = `(proposal ${proposal.proposalId})`;
  switch (proposal.status) {
    case 'committed':
      return outcome === 'committed'
        ? `${subject} committed and loaded by every front-end node ${id}`
        : `${subject} committed ${id}`;
    case 'open':
      return `${subject} proposed, waiting for approvals: ${approvals(proposal)} ${id}`;
    default:
      return `${subject} ${proposal.status} ${id}`;
  }
}

function emitProposal(
  context: { emit(data: unknown, human: () => string): void },
  response: ApiResponse<RotationProposal>,
  outcome: string | undefined,
): void {
  const proposal = response.body;
  context.emit(proposal, () => proposalLine(proposal, outcome));
  requireCommitted(
    outcome,
    `proposal ${proposal.proposalId} (queue ${proposal.queueId} version ${proposal.version})`,
  );
}

const rotate = defineCommand({
  name: 'rotate',
  summary: 'rotate a queue key now (validator)',
  description:
    "The caller's own validator agent (--as validator1) generates the key in its HSM, wraps it for every " +
    'front-end node and proposes it; the other validators approve it.',
  args: [QUEUE_ARG],
  options: { ...WAIT_OPTIONS },
  fields: { 'query.waitTimeoutMs': '--wait-timeout' },
  api: true,
  async run(context) {
    const [queueId = ''] = context.args;
    const waited = waitRequest(context.options);
    const response = await context.client().request<RotationProposal>({
      method: 'POST',
      path: apiPath`/v1/queues/${queueId}/rotate`,
      query: waited.query,
      body: {},
      timeoutMs: waited.timeoutMs,
    });
    emitProposal(context, response, waitOutcome(response, waited));
  },
});

const compromise = defineCommand({
  name: 'compromise',
  summary: 'report a key version compromised and propose its replacement (validator)',
  description:
    'Front-end nodes stop encrypting with the version at once; messages sealed with it still decrypt within ' +
    "retention, with a warning. Runs through the caller's own validator agent (--as validator1).",
  args: [QUEUE_ARG],
  options: {
    version: { type: 'string', value: 'N', description: 'the committed key version (required)' },
    reason: { type: 'string', value: 'TEXT', description: 'why, for the ledger record (required)' },
    ...WAIT_OPTIONS,
  },
  fields: { 'body.version': '--version', 'body.reason': '--reason', 'query.waitTimeoutMs': '--wait-timeout' },
  api: true,
  async run(context) {
    const [queueId = ''] = context.args;
    const { options } = context;
    const version = integerOption(requiredOption(options.version, '--version'), '--version');
    const reason = requiredOption(options.reason, '--reason');
    const waited = waitRequest(options);
    const response = await context.client().request<RotationProposal>({
      method: 'POST',
      path: apiPath`/v1/queues/${queueId}/compromise`,
      query: waited.query,
      body: { version, reason },
      timeoutMs: waited.timeoutMs,
    });
    context.io.stderr.write(`queue ${queueId} key version ${version} is marked compromised\n`);
    emitProposal(context, response, waitOutcome(response, waited));
  },
});

const list = defineCommand({
  name: 'list',
  summary: 'every open rotation proposal',
  options: {},
  api: true,
  async run(context) {
    const { body } = await context
      .client()
      .request<{ items: ProposalSummary[] }>({ method: 'GET', path: '/v1/proposals' });
    context.emit(body, () =>
      body.items.length === 0
        ? 'no open proposals'
        : formatTable(
            ['ID', 'QUEUE', 'VERSION', 'REASON', 'PROPOSED', 'EXPIRES'],
            body.items.map((proposal) => [
              proposal.proposalId,
              proposal.queueId,
              String(proposal.version),
              proposal.reason,
              formatTime(proposal.proposedAt),
              proposal.expired ? 'expired' : formatTime(proposal.expiresAt),
            ]),
          ),
    );
  },
});

const show = defineCommand({
  name: 'show',
  summary: 'one rotation proposal in any state, with its approvals',
  args: [ID_ARG],
  options: {},
  api: true,
  async run(context) {
    const [id = ''] = context.args;
    const { body } = await context
      .client()
      .request<RotationProposal>({ method: 'GET', path: apiPath`/v1/proposals/${id}` });
    context.emit(body, () =>
      [
        formatFields([
          ['proposal', body.proposalId],
          ['queue', body.queueId],
          ['version', String(body.version)],
          ['status', body.status],
          ['reason', body.reason],
          ['key id', body.keyId],
          ['check value', body.keyCheckValue],
          ['proposer', `${body.proposer.mspId} ${body.proposer.fingerprint.slice(0, 16)}…`],
          ['proposed', formatTime(body.proposedAt)],
          ['expires', formatTime(body.expiresAt)],
          ['closed', body.closedAt === undefined ? undefined : formatTime(body.closedAt)],
          ['approvals', approvals(body)],
          ['recipients', String(body.wrappedKeys.length)],
        ]),
        ...body.approvals.map(
          (approval) =>
            `  approved by ${approval.mspId} ${approval.fingerprint.slice(0, 16)}… at ${formatTime(approval.approvedAt)}`,
        ),
        ...body.rejections.map(
          (rejection) =>
            `  rejected by ${rejection.mspId} ${rejection.fingerprint.slice(0, 16)}… at ${formatTime(rejection.rejectedAt)}: ${rejection.reason}`,
        ),
      ].join('\n'),
    );
  },
});

const approve = defineCommand({
  name: 'approve',
  summary: 'approve a rotation proposal as the caller (validator)',
  description:
    "The gateway signs the proposal's digest with the caller's Fabric key; at quorum the approval commits it.",
  args: [ID_ARG],
  options: { ...WAIT_OPTIONS },
  fields: { 'query.waitTimeoutMs': '--wait-timeout' },
  api: true,
  async run(context) {
    const [id = ''] = context.args;
    const waited = waitRequest(context.options);
    const response = await context.client().request<RotationProposal>({
      method: 'POST',
      path: apiPath`/v1/proposals/${id}/approve`,
      query: waited.query,
      body: {},
      timeoutMs: waited.timeoutMs,
    });
    emitProposal(context, response, waitOutcome(response, waited));
  },
});

const reject = defineCommand({
  name: 'reject',
  summary: 'vote against a rotation proposal as the caller (validator)',
  args: [ID_ARG],
  options: { reason: { type: 'string', value: 'TEXT', description: 'why (required)' } },
  fields: { 'body.reason': '--reason' },
  api: true,
  async run(context) {
    const [id = ''] = context.args;
    const reason = requiredOption(context.options.reason, '--reason');
    const { body } = await context.client().request<RotationProposal>({
      method: 'POST',
      path: apiPath`/v1/proposals/${id}/reject`,
      body: { reason },
    });
    context.emit(body, () => proposalLine(body, undefined));
  },
});

/** `rotate`, `compromise` and `proposals list|show|approve|reject`. */
export const proposalCommands: readonly CliEntry[] = [
  rotate,
  compromise,
  defineGroup('proposals', 'rotation proposals: list, show, approve, reject', [list, show, approve, reject]),
];
