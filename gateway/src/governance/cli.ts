import { defineCommand, formatFields, type CliEntry } from '../command';

interface WhoAmI {
  readonly name: string;
  readonly mspId: string;
  readonly fingerprint: string;
  readonly authenticatedBy: string;
  readonly roles: readonly string[];
  readonly member: Readonly<Record<string, unknown>> | null;
  readonly validatorAgent?: string | null;
  readonly frontendNode?: string | null;
}

const whoami = defineCommand({
  name: 'whoami',
  summary: 'the caller as the gateway and the ledger see it: identity, roles, agents acting as it',
  options: {},
  api: true,
  async run(context) {
    const { body } = await context.client().request<WhoAmI>({ method: 'GET', path: '/v1/whoami' });
    context.emit(body, () =>
      formatFields([
        ['name', body.name],
        ['msp', body.mspId],
        ['fingerprint', body.fingerprint],
        ['roles', body.roles.length > 0 ? body.roles.join(', ') : 'none'],
        ['registered', body.member === null ? 'no' : 'yes'],
        ['validator agent', body.validatorAgent ?? undefined],
        ['front-end node', body.frontendNode ?? undefined],
        ['authenticated by', body.authenticatedBy],
        ['gateway', context.client().url],
      ]),
    );
  },
});

/** Governance's part of the `keyledger` command. */
export const governanceCommands: readonly CliEntry[] = [whoami];
