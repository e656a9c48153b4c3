import {
  defineCommand,
  defineGroup,
  integerOption,
  parseDuration,
  requiredOption,
  UsageError,
  type CliEntry,
} from '../../command';
import { CA_NAME_PATTERN } from './caNames';

const caStart = defineCommand({
  name: 'start',
  summary:
    'run a local certificate authority for signing keys: its key in its own SoftHSM token, served over HTTPS',
  description:
    'Publishes its certificate (GET /ca.pem) and CRL (GET /crl, DER) to anyone, and issues and revokes signing-key ' +
    'certificates (POST /v1/certificates, POST /v1/certificates/SERIAL/revoke) for the client certificates given ' +
    'with --authorized-client (mutual TLS). Its own TLS certificate is issued by itself at each start: clients pin ' +
    '<data>/ca.pem. Prints "ca NAME ready on URL" and serves until Ctrl-C; stop it to simulate an outage.',
  options: {
    name: { type: 'string', value: 'NAME', description: 'the CA id, e.g. ca1 (required)' },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'its token, certificate, CRL, state and pid file (default .keyledger/cas/NAME)',
    },
    host: { type: 'string', value: 'HOST', description: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', value: 'PORT', description: 'port (default 0: any free port)' },
    'token-label': { type: 'string', value: 'LABEL', description: 'its SoftHSM token (default ca-NAME)' },
    'authorized-client': {
      type: 'string',
      multiple: true,
      value: 'FILE',
      description: 'PEM certificate of a client that may issue and revoke; repeatable',
    },
    'crl-validity': {
      type: 'string',
      value: '<dur>',
      description: 'nextUpdate - thisUpdate of each CRL (default 24h)',
    },
    'certificate-validity': {
      type: 'string',
      value: '<dur>',
      description: 'lifetime of an issued signing certificate (default 90d)',
    },
  },
  api: false,
  async run(context) {
    const o = context.options;
    const name = requiredOption(o.name, '--name');
    if (!CA_NAME_PATTERN.test(name)) {
      throw new UsageError({ message: `--name ${name}: 1-31 characters of A-Z a-z 0-9 . _ -` });
    }
    const { runCaStart } = await import('./caStart.js');
    await runCaStart(
      {
        name,
        dataDir: o['data-dir'] ?? `.keyledger/cas/${name}`,
        host: o.host ?? '127.0.0.1',
        port: integerOption(o.port, '--port', { max: 65_535 }) ?? 0,
        tokenLabel: o['token-label'] ?? `ca-${name}`.slice(0, 32),
        authorizedClientFiles: o['authorized-client'] ?? [],
        ...(o['crl-validity'] !== undefined
          ? { crlValidityMs: parseDuration(o['crl-validity'], '--crl-validity') }
          : {}),
        ...(o['certificate-validity'] !== undefined
          ? { certificateValidityMs: parseDuration(o['certificate-validity'], '--certificate-validity') }
          : {}),
      },
      (line) => context.io.stdout.write(`${line}\n`),
    );
  },
});

/** The signing CAs' part of the `keyledger` command: `keyledger ca start --name ca1`. */
export const caCommands: readonly CliEntry[] = [
  defineGroup('ca', 'local certificate authorities for signing keys', [caStart]),
];
