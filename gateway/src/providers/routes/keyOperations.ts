import type { providers } from '@keyledger/chaincode/protocol';
import { callerOf, defineRoute, ok, ProblemError, type AnyRoute, type ApiCaller } from '../../http';
import { noQuery } from '../../http/schemas';
import type { LedgerKeyAccess } from '../access';
import { parseBlob } from '../blob';
import type { KeyOrchestrator, OrchestratedResult } from '../orchestrator';
import { keyParams } from '../registry/schemas';
import {
  dataKeyBody,
  dataKeySchema,
  decryptBody,
  encryptBody,
  openedSchema,
  reEncryptBody,
  sealedSchema,
} from '../schemas';
import type { ProviderAnswer } from '../wire';

export const TAG_KEY_OPERATIONS = 'Key operations';
/** 403: no grant; 404: no such key; 422: a blob that does not decrypt; 503: no provider could serve. */
const ERRORS = [403, 404, 422, 502, 503] as const;

export interface KeyOperationDeps {
  readonly orchestrator: KeyOrchestrator;
  readonly access: LedgerKeyAccess;
}

/** Who the ledger is asked about: the caller's own identity. */
function userOf(caller: ApiCaller): { mspId: string; fingerprint: string; ledger: ApiCaller['ledger'] } {
  return { mspId: caller.mspId, fingerprint: caller.fingerprint, ledger: caller.ledger };
}

/** The answer of a served call: the provider's fields, who served it and why. */
function served<T extends ProviderAnswer>(
  answer: OrchestratedResult<T>,
): T & Omit<OrchestratedResult<T>, 'result'> {
  const { result, ...how } = answer;
  return { ...result, ...how };
}

/** The key id a blob names; a blob of another key than the path's is refused before any provider sees it. */
function blobKey(blob: string, keyId: string): void {
  const named = parseBlob(Buffer.from(blob, 'base64')).keyId;
  if (named !== keyId) {
    throw new ProblemError(
      'invalid-ciphertext',
      `the ciphertext blob was made under key ${named}, not ${keyId}`,
    );
  }
}

/**
 * Data keys, encrypt, decrypt and re-encrypt with a CMK, served by a provider the orchestrator picks. The ledger
 * first decides, as the caller, whether the caller may (its grant on the key and the key's status).
 */
export function keyOperationRoutes(deps: KeyOperationDeps): AnyRoute[] {
  const { orchestrator, access } = deps;
  const authorize = (caller: ApiCaller, keyId: string, operation: providers.KeyOperation): Promise<void> =>
    access.authorize(userOf(caller), keyId, operation);
  const description =
    'Needs a grant of the operation on the key (ledger: AuthorizeKeyUse as the caller). The answer names the ' +
    'provider that served it and why (`selection`), and every provider tried (`attempts`).';
  return [
    defineRoute({
      method: 'post',
      path: '/v1/keys/:keyId/datakey',
      operationId: 'generateDataKey',
      summary: 'A fresh data key: its plaintext (use, then wipe) and its blob sealed under the CMK (store)',
      description: `${description} The blob is decrypted back on a second provider before the key is returned (\`verified\`).`,
      tags: [TAG_KEY_OPERATIONS],
      params: keyParams,
      query: noQuery,
      body: dataKeyBody,
      responses: { 200: { description: 'the data key', schema: dataKeySchema } },
      errors: [...ERRORS],
      async handler(context) {
        const { keyId } = context.params;
        await authorize(callerOf(context), keyId, 'GenerateDataKey');
        const { encryptionContext, keySpec, region } = context.body;
        const answer = await orchestrator.generateDataKey(
          { keyId, encryptionContext, keySpec },
          region === undefined ? {} : { region },
        );
        return ok(served(answer));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/keys/:keyId/encrypt',
      operationId: 'encryptWithKey',
      summary: 'Encrypts up to 4 KiB under the CMK: a ciphertext blob any provider of the key decrypts',
      description,
      tags: [TAG_KEY_OPERATIONS],
      params: keyParams,
      query: noQuery,
      body: encryptBody,
      bodyRequired: true,
      responses: { 200: { description: 'the ciphertext blob', schema: sealedSchema } },
      errors: [...ERRORS],
      async handler(context) {
        const { keyId } = context.params;
        await authorize(callerOf(context), keyId, 'Encrypt');
        const { plaintext, encryptionContext, region } = context.body;
        const answer = await orchestrator.encrypt(
          { keyId, plaintext, encryptionContext },
          region === undefined ? {} : { region },
        );
        return ok(served(answer));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/keys/:keyId/decrypt',
      operationId: 'decryptWithKey',
      summary: 'Decrypts a ciphertext blob of the CMK with the same encryption context',
      description: `${description} A different context, or a changed blob, is a 422.`,
      tags: [TAG_KEY_OPERATIONS],
      params: keyParams,
      query: noQuery,
      body: decryptBody,
      bodyRequired: true,
      responses: { 200: { description: 'the plaintext', schema: openedSchema } },
      errors: [400, ...ERRORS],
      async handler(context) {
        const { keyId } = context.params;
        const { ciphertextBlob, encryptionContext, region } = context.body;
        blobKey(ciphertextBlob, keyId);
        await authorize(callerOf(context), keyId, 'Decrypt');
        const answer = await orchestrator.decrypt(
          { ciphertextBlob, encryptionContext },
          region === undefined ? {} : { region },
        );
        return ok(served(answer));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/keys/:keyId/re-encrypt',
      operationId: 'reEncryptWithKey',
      summary:
        'Moves a ciphertext blob of this CMK to another CMK without the plaintext leaving the provider',
      description: `${description} Needs ReEncrypt on both keys; the provider must hold both.`,
      tags: [TAG_KEY_OPERATIONS],
      params: keyParams,
      query: noQuery,
      body: reEncryptBody,
      bodyRequired: true,
      responses: { 200: { description: 'the blob under the destination key', schema: sealedSchema } },
      errors: [400, ...ERRORS],
      async handler(context) {
        const { keyId } = context.params;
        const { ciphertextBlob, region, ...rest } = context.body;
        blobKey(ciphertextBlob, keyId);
        const caller = callerOf(context);
        await authorize(caller, keyId, 'ReEncrypt');
        await authorize(caller, rest.destinationKeyId, 'ReEncrypt');
        const answer = await orchestrator.reEncrypt(
          { ciphertextBlob, ...rest },
          region === undefined ? {} : { region },
        );
        return ok(served(answer));
      },
    }),
  ];
}
