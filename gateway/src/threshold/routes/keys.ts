import { defineRoute, ok, type AnyRoute } from '../../http';
import { noParams, noQuery } from '../../http/schemas';
import type { ThresholdService } from '../service/thresholdService';
import { ceremonySchema, keygenBody, keyParams, keyViewSchema, policyBody, policySchema } from '../schemas';
import { CEREMONY_ROLES, custodyOf, keyLocation, requireRole, unknownKey } from './access';
import { TAG_THRESHOLD } from './modules';

export interface ThresholdRouteDeps {
  readonly service: ThresholdService;
}

/** An Ed25519 public key (hex) as a JWK (RFC 8037). */
export function ed25519Jwk(keyId: string, publicKeyHex: string): Record<string, string> {
  return {
    kty: 'OKP',
    crv: 'Ed25519',
    x: Buffer.from(publicKeyHex, 'hex').toString('base64url'),
    kid: keyId,
    alg: 'EdDSA',
  };
}

/** Policies, key ceremonies (keygen, refresh) and the key as the ledger has it. */
export function thresholdKeyRoutes(deps: ThresholdRouteDeps): AnyRoute[] {
  const { service } = deps;
  return [
    defineRoute({
      method: 'put',
      path: '/v1/threshold/keys/:keyId/policy',
      operationId: 'setThresholdPolicy',
      summary: 'Sets a key’s threshold policy: t of n modules, their minimum trust and attestation age',
      description:
        'SetThresholdPolicy as the caller: the contract lets admins only. Set it before keygen; t and n of an ' +
        'existing key are the ones its shares were dealt for.',
      tags: [TAG_THRESHOLD],
      params: keyParams,
      query: noQuery,
      body: policyBody,
      bodyRequired: true,
      responses: { 200: { description: 'the policy as the ledger stored it', schema: policySchema } },
      errors: [403, 409],
      async handler(context) {
        const { keyId } = context.params;
        const { t, n, minTrust, attestationMaxAgeSeconds } = context.body;
        return ok(
          await custodyOf(context).setPolicy({
            keyId,
            t,
            n,
            minTrust,
            ...(attestationMaxAgeSeconds === undefined ? {} : { attestationMaxAgeSeconds }),
          }),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/threshold/keys',
      operationId: 'generateThresholdKey',
      summary: 'Generates a key in the modules (DKG by default) and publishes its commitments',
      description:
        'Needs the role admin (PublishCommitments) and the key’s policy on the ledger (404 without). The ' +
        'modules generate and keep the shares; the answer holds only public values. 503 when fewer than n ' +
        'modules took part.',
      tags: [TAG_THRESHOLD],
      params: noParams,
      query: noQuery,
      body: keygenBody,
      bodyRequired: true,
      responses: {
        201: { description: 'generated', schema: ceremonySchema, headers: { Location: 'the key' } },
      },
      errors: [403, 404, 409, 503],
      async handler(context) {
        await requireRole(context, CEREMONY_ROLES, 'generating a threshold key');
        const { keyId, mode, modules, dealer } = context.body;
        const outcome = await service.keygen(custodyOf(context), {
          keyId,
          ...(mode === undefined ? {} : { mode }),
          ...(modules === undefined ? {} : { modules }),
          ...(dealer === undefined ? {} : { dealer }),
        });
        return ok(outcome, 201, { Location: keyLocation(keyId) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/threshold/keys/:keyId',
      operationId: 'getThresholdKey',
      summary: 'A key: its policy, latest epoch, group public key (hex and JWK) and share acknowledgements',
      description:
        'Read as the caller. Before keygen only `policy` is set; a key with neither policy nor shares is a 404.',
      tags: [TAG_THRESHOLD],
      params: keyParams,
      query: noQuery,
      responses: { 200: { description: 'the key', schema: keyViewSchema } },
      errors: [403, 404],
      async handler(context) {
        const { keyId } = context.params;
        const custody = custodyOf(context);
        const [policy, commitments] = await Promise.all([
          custody.policy(keyId),
          custody.latestCommitments(keyId),
        ]);
        if (policy === undefined && commitments === undefined) {
          throw unknownKey(keyId);
        }
        const groupPublicKey = commitments?.commitments[0];
        const acknowledgements =
          commitments === undefined
            ? undefined
            : await custody.shareAcknowledgements(keyId, commitments.epoch);
        return ok({
          keyId,
          policy: policy ?? null,
          epoch: commitments?.epoch ?? null,
          groupPublicKey: groupPublicKey ?? null,
          jwk: groupPublicKey === undefined ? null : ed25519Jwk(keyId, groupPublicKey),
          t: commitments?.t ?? policy?.t ?? null,
          n: commitments?.n ?? policy?.n ?? null,
          shareIndices: commitments?.shareIndices ?? [],
          acknowledgements:
            acknowledgements === undefined
              ? null
              : {
                  expected: acknowledgements.expected,
                  acknowledged: acknowledgements.acknowledged,
                  complete: acknowledgements.complete,
                },
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/threshold/keys/:keyId/refresh',
      operationId: 'refreshThresholdKey',
      summary: 'Refreshes a key’s shares: a new epoch, the same group public key; old shares are deleted',
      description:
        'Needs the role admin. Every module gets a new share; the old epoch is forgotten only after all of ' +
        'them acknowledged the new one on the ledger.',
      tags: [TAG_THRESHOLD],
      params: keyParams,
      query: noQuery,
      responses: { 200: { description: 'refreshed', schema: ceremonySchema } },
      errors: [403, 404, 409, 503],
      async handler(context) {
        await requireRole(context, CEREMONY_ROLES, 'refreshing a threshold key');
        const { keyId } = context.params;
        const custody = custodyOf(context);
        if ((await custody.latestCommitments(keyId)) === undefined) {
          throw unknownKey(keyId);
        }
        return ok(await service.refresh(custody, keyId));
      },
    }),
  ];
}
