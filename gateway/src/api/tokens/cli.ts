import { apiPath } from '../../client';
import {
  defineCommand,
  formatTable,
  formatTime,
  parseDuration,
  UsageError,
  type CliEntry,
} from '../../command';

/** A token as the API lists it: metadata only. */
interface TokenView {
  readonly id: string;
  readonly identity: string;
  readonly label: string;
  readonly status: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly createdBy: string;
}

const create = defineCommand({
  name: 'create',
  summary: 'create a bearer token; prints it once, on stdout (the gateway keeps only its hash)',
  description:
    'For the caller, or for another identity of the gateway (admin). Only the token goes to stdout, so ' +
    '`T=$(keyledger token create --identity frontend1)` keeps it; what it is goes to stderr.',
  options: {
    identity: { type: 'string', value: 'NAME', description: 'whom the token acts as (default: the caller)' },
    label: { type: 'string', value: 'TEXT', description: 'a note for listings' },
    expires: { type: 'string', value: '<dur>', description: 'lifetime, e.g. 7d (default 30d, at most 365d)' },
  },
  fields: { 'body.identity': '--identity', 'body.label': '--label', 'body.expiresInSeconds': '--expires' },
  api: true,
  async run(context) {
    const { identity, label, expires } = context.options;
    const ms = expires === undefined ? undefined : parseDuration(expires, '--expires');
    if (ms !== undefined && ms % 1000 !== 0) {
      throw new UsageError({ message: `--expires must be whole seconds, got '${expires}'` });
    }
    const { body } = await context.client().request<TokenView & { token: string }>({
      method: 'POST',
      path: '/v1/tokens',
      body: {
        ...(identity === undefined ? {} : { identity }),
        ...(label === undefined ? {} : { label }),
        ...(ms === undefined ? {} : { expiresInSeconds: ms / 1000 }),
      },
    });
    context.emit(body, () => body.token);
    context.io.stderr.write(
      `token ${body.id} for ${body.identity}, expires ${formatTime(body.expiresAt)}: shown only this once\n`,
    );
  },
});

const list = defineCommand({
  name: 'list',
  summary: "the caller's tokens (every token for an admin); never the tokens themselves",
  options: {
    identity: { type: 'string', value: 'NAME', description: 'only tokens of this identity (admin)' },
  },
  api: true,
  async run(context) {
    const { body } = await context.client().request<{ items: TokenView[] }>({
      method: 'GET',
      path: '/v1/tokens',
      query: { identity: context.options.identity },
    });
    context.emit(body, () =>
      formatTable(
        ['ID', 'IDENTITY', 'STATUS', 'CREATED', 'EXPIRES', 'BY', 'LABEL'],
        body.items.map((token) => [
          token.id,
          token.identity,
          token.status,
          formatTime(token.createdAt),
          token.expiresAt === null ? 'never' : formatTime(token.expiresAt),
          token.createdBy,
          token.label,
        ]),
      ),
    );
  },
});

const revoke = defineCommand({
  name: 'revoke',
  summary: 'revoke a token at once (its own identity, or an admin)',
  args: [{ name: '<id>', description: 'the token id (`keyledger token list` shows them)' }],
  options: {},
  fields: { 'path.tokenId': '<id>' },
  api: true,
  async run(context) {
    const [id = ''] = context.args;
    const { body } = await context
      .client()
      .request<TokenView>({ method: 'DELETE', path: apiPath`/v1/tokens/${id}` });
    context.emit(body, () => `token ${body.id} of ${body.identity} revoked at ${formatTime(body.revokedAt)}`);
  },
});

/** The API bearer token subcommands, for a `token` group that may hold others (`token verify`). */
export const apiTokenCommands: readonly CliEntry[] = [create, list, revoke];
