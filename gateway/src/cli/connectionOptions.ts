import type { CliOptions } from '../command';

/** Options every command that calls the REST API takes, anywhere on its command line. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string', value: 'URL', description: "the API (env KEYLEDGER_URL; default: the profile's)" },
  token: {
    type: 'string',
    value: 'TOKEN',
    description: 'bearer token (env KEYLEDGER_TOKEN, which keeps it out of the process list)',
  },
  as: {
    type: 'string',
    value: 'NAME',
    description: 'act as a participant of the profile: admin, validator1, frontend1, … (env KEYLEDGER_AS)',
  },
  profile: {
    type: 'string',
    value: 'FILE',
    description: 'the profile npm start writes (env KEYLEDGER_PROFILE; default .keyledger/profile.json)',
  },
  json: { type: 'boolean', description: "print the API's JSON, for scripts" },
} as const satisfies CliOptions;

/** The connection options that take a value, for recognising them before the command words. */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set(
  Object.entries(CONNECTION_OPTIONS)
    .filter(([, option]) => option.type === 'string')
    .map(([name]) => `--${name}`),
);
