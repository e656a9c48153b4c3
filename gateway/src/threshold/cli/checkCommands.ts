import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { apiPath } from '../../client';
import { CheckFailedError, defineCommand, readFileOption, UsageError, type AnyCommand } from '../../command';
import type { KeyView } from './views';

/** The SPKI DER prefix of an Ed25519 public key (RFC 8410): the raw 32 bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * `threshold verify`: a threshold signature checked here with plain node:crypto Ed25519 against the group public
 * key the ledger holds — nothing of the modules is trusted for the verdict.
 */
export const verifyCommand: AnyCommand = defineCommand({
  name: 'verify',
  summary:
    "verify a threshold signature with plain Ed25519 against the key's group public key; exit code 6 when invalid",
  args: [{ name: '<keyId>', description: 'the threshold key id' }],
  options: {
    message: { type: 'string', value: 'TEXT', description: 'the message, as UTF-8 text' },
    file: { type: 'string', value: 'FILE', description: 'the message: the bytes of FILE' },
    signature: {
      type: 'string',
      value: 'SIG',
      description: 'the signature `threshold sign` printed (base64url)',
    },
  },
  fields: { 'path.keyId': '<keyId>' },
  api: true,
  async run(context) {
    const [keyId = ''] = context.args;
    const o = context.options;
    if ((o.message === undefined) === (o.file === undefined) || o.signature === undefined) {
      throw new UsageError({ message: 'give --signature SIG and one of --message TEXT or --file FILE' });
    }
    const message =
      o.message !== undefined
        ? Buffer.from(o.message, 'utf8')
        : readFileOption(context.io, o.file ?? '', '--file');
    const signature = Buffer.from(o.signature, 'base64url');
    const { body } = await context
      .client()
      .request<KeyView>({ method: 'GET', path: apiPath`/v1/threshold/keys/${keyId}` });
    if (body.groupPublicKey === null) {
      throw new CheckFailedError(`key ${keyId} has no group public key yet`);
    }
    const publicKey = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(body.groupPublicKey, 'hex')]),
      format: 'der',
      type: 'spki',
    });
    const valid = signature.length === 64 && verifySignature(null, message, publicKey, signature);
    const verdict = { keyId, valid, groupPublicKey: body.groupPublicKey, epoch: body.epoch };
    context.emit(verdict, () =>
      valid
        ? `valid: Ed25519 under ${keyId}'s group public key ${body.groupPublicKey} (node:crypto)`
        : `invalid: the signature does not verify under ${keyId}'s group public key`,
    );
    if (!valid) {
      throw new CheckFailedError(`the signature does not verify under ${keyId}`);
    }
  },
});

/** `threshold misbehave`: the demonstration's fault switch of a module started with --allow-fault-injection. */
export const misbehaveCommand: AnyCommand = defineCommand({
  name: 'misbehave',
  summary:
    'make a module (started with --allow-fault-injection) cheat, for demonstrations and tests (role admin)',
  description:
    'Kinds: bad-signature-share, bad-secret-share, late, old-epoch-share; `none` makes it honest again. A module ' +
    'started without --allow-fault-injection refuses (403).',
  args: [
    { name: '<moduleId>', description: 'the module' },
    { name: '<kinds>', description: 'comma-separated kinds, or none' },
  ],
  options: {},
  fields: { 'path.moduleId': '<moduleId>', 'body.misbehave': '<kinds>' },
  api: true,
  async run(context) {
    const [moduleId = '', kinds = ''] = context.args;
    const misbehave = kinds === 'none' ? [] : kinds.split(',').filter((kind) => kind !== '');
    const { body } = await context.client().request<{ moduleId: string; misbehave: string[] }>({
      method: 'POST',
      path: apiPath`/v1/threshold/modules/${moduleId}/faults`,
      body: { misbehave },
    });
    context.emit(body, () =>
      body.misbehave.length > 0
        ? `${moduleId} now: ${body.misbehave.join(', ')}`
        : `${moduleId} is honest again`,
    );
  },
});
