import { apiPath } from '../../client';
import { defineCommand, readInput, type CliEntry } from '../../command';

const QUEUE_ARG = { name: '<queue>', description: 'the queue id' } as const;

interface EncryptResult {
  readonly queueId: string;
  readonly version: number;
  readonly frontend: string;
  readonly envelope: string;
}

interface DecryptResult {
  readonly queueId: string;
  readonly version: number;
  readonly frontend: string;
  readonly keyCompromised: boolean;
  readonly plaintext: string;
}

const encrypt = defineCommand({
  name: 'encrypt',
  summary: "seal a message with the queue's current key; prints the envelope (base64)",
  description:
    "Runs through the caller's own front-end node: use a front-end's token (--as frontend1). The message is " +
    '--text, the bytes of --file, or stdin (binary is fine); at most 1 MiB.',
  args: [QUEUE_ARG],
  options: {
    text: { type: 'string', value: 'TEXT', description: 'the message, as UTF-8 text' },
    file: { type: 'string', value: 'FILE', description: 'the message: the bytes of FILE' },
  },
  fields: { 'body.plaintext': 'the message' },
  api: true,
  async run(context) {
    const [queueId = ''] = context.args;
    const message = await readInput(context.io, {
      text: context.options.text,
      textOption: '--text',
      file: context.options.file,
      fileOption: '--file',
    });
    const encoded = message.toString('base64');
    message.fill(0);
    const { body } = await context.client().request<EncryptResult>({
      method: 'POST',
      path: apiPath`/v1/queues/${queueId}/encrypt`,
      body: { plaintext: encoded },
    });
    context.emit(body, () => body.envelope);
  },
});

const decrypt = defineCommand({
  name: 'decrypt',
  summary: 'open an envelope; writes the plaintext bytes to stdout',
  description:
    "Runs through the caller's own front-end node (--as frontend1). The envelope is the argument, the contents " +
    'of --file, or stdin, as base64 (as encrypt prints it; whitespace is ignored). A key version marked ' +
    'compromised still decrypts within retention: a warning on stderr says so. Exit 6 when the envelope does ' +
    'not decrypt (unknown or retired key version, tampered, not an envelope).',
  args: [QUEUE_ARG, { name: 'ENVELOPE', required: false, description: 'the envelope, base64' }],
  options: {
    file: { type: 'string', value: 'FILE', description: 'read the envelope (base64) from FILE' },
  },
  fields: { 'body.envelope': 'the envelope' },
  api: true,
  async run(context) {
    const [queueId = '', envelopeArg] = context.args;
    const input = await readInput(context.io, {
      text: envelopeArg,
      textOption: 'ENVELOPE',
      file: context.options.file,
      fileOption: '--file',
    });
    const envelope = input.toString('latin1').replace(/\s+/g, '');
    const { body } = await context.client().request<DecryptResult>({
      method: 'POST',
      path: apiPath`/v1/queues/${queueId}/decrypt`,
      body: { envelope },
    });
    if (body.keyCompromised) {
      context.io.stderr.write(
        `keyledger: warning: queue ${queueId} key version ${body.version} is marked compromised; the message ` +
          'decrypted, but treat it as suspect\n',
      );
    }
    context.emit(body, () => Buffer.from(body.plaintext, 'base64'));
  },
});

/** `encrypt` and `decrypt`. */
export const cryptoCommands: readonly CliEntry[] = [encrypt, decrypt];
