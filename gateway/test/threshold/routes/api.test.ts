/**
 * The threshold module's routes as the app and the OpenAPI document see them; the handlers run against the
 * devnet in test/e2e/thresholdApiInput.test.ts.
 */
import { apiContextOf, createApp, staticIdentityResolver } from '../../../src/api';
import type { LedgerAccess } from '../../../src/fabric';
import { thresholdApi } from '../../../src/threshold/api';
import type { ThresholdService } from '../../../src/threshold/service/thresholdService';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function collectRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((item) => collectRefs(item, out));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') out.push(item);
      else collectRefs(item, out);
    }
  }
  return out;
}

describe('threshold module in the OpenAPI document', () => {
  // Building the document runs no handler: a stand-in service is enough.
  const service = {} as ThresholdService;
  const app = createApp({ identities: staticIdentityResolver([]), modules: [thresholdApi({ service })] });
  const doc = apiContextOf(app).openApi() as Json;
  const paths = doc.paths as Record<string, Json>;

  it('lists every threshold operation with its tag', () => {
    const operations = Object.entries(paths)
      .filter(([path]) => path.startsWith('/v1/threshold'))
      .flatMap(([path, item]) =>
        Object.entries(item).map(
          ([method, op]) => `${method.toUpperCase()} ${path} ${(op as Json).operationId}`,
        ),
      )
      .sort();
    expect(operations).toEqual([
      'GET /v1/threshold/keys/{keyId} getThresholdKey',
      'GET /v1/threshold/modules listThresholdModules',
      'GET /v1/threshold/modules/{moduleId} getThresholdModule',
      'GET /v1/threshold/sessions/{sessionId} getThresholdSession',
      'POST /v1/threshold/keys generateThresholdKey',
      'POST /v1/threshold/keys/{keyId}/derive deriveThresholdEpochKey',
      'POST /v1/threshold/keys/{keyId}/escrow escrowToThresholdKey',
      'POST /v1/threshold/keys/{keyId}/refresh refreshThresholdKey',
      'POST /v1/threshold/keys/{keyId}/sign signWithThresholdKey',
      'POST /v1/threshold/keys/{keyId}/unwrap unwrapThresholdEscrow',
      'POST /v1/threshold/modules/{moduleId}/faults setThresholdModuleFaults',
      'PUT /v1/threshold/keys/{keyId}/policy setThresholdPolicy',
    ]);
    for (const item of Object.values(paths).filter((_, i) =>
      Object.keys(paths)[i]?.startsWith('/v1/threshold'),
    )) {
      for (const op of Object.values(item) as Json[]) {
        expect(op.tags).toEqual(['Threshold custody']);
        expect(op.responses['400']).toBeDefined();
        expect(Object.keys(op.responses).some((status) => status.startsWith('2'))).toBe(true);
      }
    }
    expect((doc.tags as Json[]).map((tag) => tag.name)).toContain('Threshold custody');
  });

  it('documents the bodies as strict named schemas, the errors, and every reference resolves', () => {
    const keygen = paths['/v1/threshold/keys']?.post as Json;
    expect(Object.keys(keygen.responses)).toEqual(
      expect.arrayContaining(['201', '400', '403', '404', '503']),
    );
    expect(keygen.responses['201'].headers.Location).toBeDefined();
    expect(collectRefs(keygen.requestBody)).toEqual(['#/components/schemas/ThresholdKeygenRequest']);
    const sign = paths['/v1/threshold/keys/{keyId}/sign']?.post as Json;
    expect(collectRefs(sign.requestBody)).toEqual(['#/components/schemas/ThresholdSignRequest']);
    expect(collectRefs(sign.responses['200'])).toEqual(['#/components/schemas/ThresholdSignature']);
    expect(Object.keys(sign.responses)).toEqual(expect.arrayContaining(['403', '404', '413', '503']));
    for (const name of [
      'ThresholdPolicyRequest',
      'ThresholdKeygenRequest',
      'ThresholdSignRequest',
      'ThresholdEscrowRequest',
      'ThresholdUnwrapRequest',
      'ThresholdDeriveRequest',
    ]) {
      expect(doc.components.schemas[name]).toMatchObject({ additionalProperties: false });
    }
    expect(doc.components.schemas.ThresholdPolicyRequest.required).toEqual(
      expect.arrayContaining(['t', 'n', 'minTrust']),
    );
    const modules = paths['/v1/threshold/modules']?.get as Json;
    expect((modules.parameters as Json[]).map((p) => `${p.in} ${p.name}`)).toEqual(['query minScore']);
    for (const ref of collectRefs(doc)) {
      expect(doc.components.schemas[ref.replace('#/components/schemas/', '')]).toBeDefined();
    }
  });

  it('has a threshold health check only when given a ledger, reporting the active modules and their scores', async () => {
    const context = { registry: undefined, logger: undefined } as never;
    expect(thresholdApi({ service })(context).health).toEqual([]);
    const listed = (modules: unknown[]): LedgerAccess => ({
      contract: () => ({
        evaluateTransaction: (name: string) => {
          expect(name).toBe('ListModules');
          return Promise.resolve(Buffer.from(JSON.stringify({ modules })));
        },
        submitTransaction: () => Promise.reject(new Error('no submit')),
      }),
    });
    const [check] =
      thresholdApi({
        service,
        health: {
          ledger: listed([
            { moduleId: 'hsm-a', status: 'active', score: 700 },
            { moduleId: 'hsm-b', status: 'quarantined', score: 0 },
            { moduleId: 'hsm-c', status: 'active', score: 650 },
          ]),
        },
      })(context).health ?? [];
    expect(check?.name).toBe('threshold');
    expect(await check?.check()).toEqual({
      status: 'ok',
      data: { modules: 3, active: 2, quarantined: 1, scores: { 'hsm-a': 700, 'hsm-c': 650 } },
    });
    const [none] =
      thresholdApi({
        service,
        health: { ledger: listed([{ moduleId: 'hsm-b', status: 'quarantined', score: 0 }]) },
      })(context).health ?? [];
    expect(await none?.check()).toMatchObject({
      status: 'degraded',
      detail: expect.stringMatching(/no security module is active/),
    });
  });
});
