import type { providers } from '@keyledger/chaincode/protocol';
import { apiPath } from '../../client';
import {
  defineCommand,
  defineGroup,
  formatFields,
  formatTable,
  formatTime,
  readInput,
  requiredOption,
  UsageError,
  type CliEntry,
} from '../../command';
import { CONTEXT_OPTION, parseContextOptions } from './context';

const KEY_ARG = { name: '<key>', description: 'the customer master key id' } as const;
const REGION_OPTION = {
  region: {
    type: 'string',
    value: 'REGION',
    description: "prefer providers in this region (default: the gateway's)",
  },
} as const;

interface Served {
  readonly providerId: string;
  readonly keyId: string;
  readonly keyVersion: number;
  readonly verified: boolean;
  readonly selection: { readonly reason: string };
}

function servedBy(body: Served): string {
  return `served by ${body.providerId} (${body.selection.reason})${body.verified ? '; verified on a second provider' : ''}`;
}

function renderKey(key: providers.ProviderKey): string {
  const grants = key.grants.map(
    (g) => `${g.name ?? g.mspId} ${g.fingerprint.slice(0, 16)}… ${g.operations.join(',')}`,
  );
  return formatFields([
    ['key', key.keyId],
    ['status', key.status + (key.disabledReason ? ` (${key.disabledReason})` : '')],
    ['algorithm', key.algorithm],
    ['description', key.description || undefined],
    ['created', formatTime(key.createdAt)],
    ['grants', grants.length === 0 ? 'none' : grants.join('\n        ')],
  ]);
}

const list = defineCommand({
  name: 'list',
  summary: 'every customer master key with its status and grants',
  options: {},
  api: true,
  async run(context) {
    const { body } = await context.client().request<providers.KeyList>({ method: 'GET', path: '/v1/keys' });
    context.emit(body, () =>
      formatTable(
        ['KEY', 'STATUS', 'GRANTS', 'CREATED'],
        body.keys.map((k) => [k.keyId, k.status, String(k.grants.length), formatTime(k.createdAt)]),
      ),
    );
  },
});

const show = defineCommand({
  name: 'show',
  summary: 'one key: status and grants (never key material)',
  args: [KEY_ARG],
  options: {},
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const { body } = await context
      .client()
      .request<providers.ProviderKey>({ method: 'GET', path: apiPath`/v1/keys/${keyId}` });
    context.emit(body, () => renderKey(body));
  },
});

const create = defineCommand({
  name: 'create',
  summary: 'create a key in a provider HSM and replicate it, wrapped, to the others (admin)',
  args: [KEY_ARG],
  options: {
    description: { type: 'string', value: 'TEXT', description: 'what the key is for' },
    origin: { type: 'string', value: 'PROVIDER', description: 'the provider that generates it' },
    replica: {
      type: 'string',
      multiple: true,
      value: 'PROVIDER',
      description: 'a provider that gets a copy (repeatable; default every other)',
    },
  },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const o = context.options;
    const { body } = await context.client().request<{
      keyCheckValue: string;
      providers: { providerId: string; origin: string; made: boolean }[];
    }>({
      method: 'POST',
      path: '/v1/keys',
      body: {
        keyId,
        ...(o.description ? { description: o.description } : {}),
        ...(o.origin ? { origin: o.origin } : {}),
        ...(o.replica ? { replicas: o.replica } : {}),
      },
    });
    context.emit(body, () =>
      [
        `key ${keyId} held by ${body.providers.length} provider(s), key check value ${body.keyCheckValue}:`,
        ...body.providers.map(
          (p) => `  ${p.providerId.padEnd(10)} ${p.origin}${p.made ? '' : ' (already held)'}`,
        ),
      ].join('\n'),
    );
  },
});

const grant = defineCommand({
  name: 'grant',
  summary: 'let an identity use a key for some operations (admin)',
  args: [KEY_ARG],
  options: {
    msp: { type: 'string', value: 'MSPID', description: "the grantee's MSP id (required)" },
    fingerprint: {
      type: 'string',
      value: 'HEX',
      description: "the grantee's certificate fingerprint (required)",
    },
    operation: {
      type: 'string',
      multiple: true,
      value: 'OP',
      description: 'GenerateDataKey, Encrypt, Decrypt or ReEncrypt (repeatable; required)',
    },
    name: { type: 'string', value: 'NAME', description: 'a label for the grantee' },
  },
  fields: { 'body.operations': '--operation' },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const o = context.options;
    const msp = requiredOption(o.msp, '--msp');
    const fingerprint = requiredOption(o.fingerprint, '--fingerprint');
    if (!o.operation || o.operation.length === 0) {
      throw new UsageError({ message: '--operation is required (repeat it for several)' });
    }
    const { body } = await context.client().request<{ key: providers.ProviderKey; changed: boolean }>({
      method: 'PUT',
      path: apiPath`/v1/keys/${keyId}/grants/${msp}/${fingerprint}`,
      body: { operations: o.operation, ...(o.name ? { name: o.name } : {}) },
    });
    context.emit(body, () => `${body.changed ? 'granted' : 'unchanged'}\n${renderKey(body.key)}`);
  },
});

const revoke = defineCommand({
  name: 'revoke',
  summary: "remove an identity's grant on a key (admin)",
  args: [KEY_ARG],
  options: {
    msp: { type: 'string', value: 'MSPID', description: "the grantee's MSP id (required)" },
    fingerprint: {
      type: 'string',
      value: 'HEX',
      description: "the grantee's certificate fingerprint (required)",
    },
  },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const msp = requiredOption(context.options.msp, '--msp');
    const fingerprint = requiredOption(context.options.fingerprint, '--fingerprint');
    const { body } = await context.client().request<{ key: providers.ProviderKey }>({
      method: 'DELETE',
      path: apiPath`/v1/keys/${keyId}/grants/${msp}/${fingerprint}`,
    });
    context.emit(body, () => `revoked\n${renderKey(body.key)}`);
  },
});

const datakey = defineCommand({
  name: 'datakey',
  summary: 'a fresh data key under a CMK: prints the sealed blob; --show-plaintext also the key',
  description:
    'The orchestrator picks a provider by on-chain score, load, region and availability, fails over, and checks ' +
    'the answer on a second provider. Prints the ciphertext blob (store it with your data) and which provider ' +
    'served and why; the plaintext data key only with --show-plaintext (it is a secret: use it and forget it).',
  args: [KEY_ARG],
  options: {
    ...CONTEXT_OPTION,
    ...REGION_OPTION,
    'key-spec': { type: 'string', value: 'AES_256|AES_128', description: 'data key size (default AES_256)' },
    'show-plaintext': { type: 'boolean', description: 'also print the plaintext data key (base64)' },
  },
  fields: { 'body.encryptionContext': '--context', 'body.keySpec': '--key-spec', 'body.region': '--region' },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const o = context.options;
    const { body } = await context.client().request<Served & { plaintext: string; ciphertextBlob: string }>({
      method: 'POST',
      path: apiPath`/v1/keys/${keyId}/datakey`,
      body: {
        encryptionContext: parseContextOptions(o.context),
        ...(o['key-spec'] ? { keySpec: o['key-spec'] } : {}),
        ...(o.region ? { region: o.region } : {}),
      },
    });
    context.emit(body, () => {
      context.io.stderr.write(`${servedBy(body)}\n`);
      return o['show-plaintext'] ? `${body.ciphertextBlob}\n${body.plaintext}` : body.ciphertextBlob;
    });
  },
});

const encrypt = defineCommand({
  name: 'encrypt',
  summary: 'encrypt up to 4 KiB under a CMK; prints the ciphertext blob (base64)',
  description: 'The data is --text, the bytes of --file, or stdin.',
  args: [KEY_ARG],
  options: {
    ...CONTEXT_OPTION,
    ...REGION_OPTION,
    text: { type: 'string', value: 'TEXT', description: 'the data, as UTF-8 text' },
    file: { type: 'string', value: 'FILE', description: 'the data: the bytes of FILE' },
  },
  fields: { 'body.plaintext': 'the data', 'body.encryptionContext': '--context', 'body.region': '--region' },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const o = context.options;
    const data = await readInput(context.io, {
      text: o.text,
      textOption: '--text',
      file: o.file,
      fileOption: '--file',
    });
    const plaintext = data.toString('base64');
    data.fill(0);
    const { body } = await context.client().request<Served & { ciphertextBlob: string }>({
      method: 'POST',
      path: apiPath`/v1/keys/${keyId}/encrypt`,
      body: {
        plaintext,
        encryptionContext: parseContextOptions(o.context),
        ...(o.region ? { region: o.region } : {}),
      },
    });
    context.emit(body, () => {
      context.io.stderr.write(`${servedBy(body)}\n`);
      return body.ciphertextBlob;
    });
  },
});

const decrypt = defineCommand({
  name: 'decrypt',
  summary: 'decrypt a ciphertext blob of a CMK; writes the plaintext bytes to stdout',
  description:
    'The blob is the argument, the contents of --file, or stdin (base64). Give the same --context pairs.',
  args: [KEY_ARG, { name: 'BLOB', required: false, description: 'the ciphertext blob, base64' }],
  options: {
    ...CONTEXT_OPTION,
    ...REGION_OPTION,
    file: { type: 'string', value: 'FILE', description: 'read the blob (base64) from FILE' },
  },
  fields: {
    'body.ciphertextBlob': 'the blob',
    'body.encryptionContext': '--context',
    'body.region': '--region',
  },
  api: true,
  async run(context) {
    const [keyId = '', blobArg] = context.args;
    const o = context.options;
    const input = await readInput(context.io, {
      text: blobArg,
      textOption: 'BLOB',
      file: o.file,
      fileOption: '--file',
    });
    const { body } = await context.client().request<Served & { plaintext: string }>({
      method: 'POST',
      path: apiPath`/v1/keys/${keyId}/decrypt`,
      body: {
        ciphertextBlob: input.toString('latin1').replace(/\s+/g, ''),
        encryptionContext: parseContextOptions(o.context),
        ...(o.region ? { region: o.region } : {}),
      },
    });
    context.emit(body, () => {
      context.io.stderr.write(`${servedBy(body)}\n`);
      return Buffer.from(body.plaintext, 'base64');
    });
  },
});

/** `keyledger key …`: the CMK registry and its grants, and the key operations the orchestrator serves. */
export const keyCommands: readonly CliEntry[] = [
  defineGroup('key', 'customer master keys held by providers: create, grant, data keys, encrypt, decrypt', [
    list,
    show,
    create,
    grant,
    revoke,
    datakey,
    encrypt,
    decrypt,
  ]),
];
