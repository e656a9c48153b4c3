/**
 * The shards module's routes as the app and the OpenAPI document see them; the handlers run against the
 * devnet in test/e2e/shardsApi.test.ts.
 */
import { apiContextOf, createApp, staticIdentityResolver } from '../../src/api';
import { shardsApi } from '../../src/shards/api';
import type { ShardGenerator, ShardRotationScheduler } from '../../src/shards/generator';

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

describe('shards module in the OpenAPI document', () => {
  // Building the document runs no handler: stand-ins are enough.
  const generator = { deviceIds: () => [] } as unknown as ShardGenerator;
  const scheduler = { dueTimes: () => undefined, trackedDevices: 0 } as unknown as ShardRotationScheduler;
  const app = createApp({
    identities: staticIdentityResolver([]),
    modules: [shardsApi({ generator, scheduler })],
  });
  const doc = apiContextOf(app).openApi() as Json;

  it('lists every shards operation with its tag', () => {
    const operations = Object.entries(doc.paths as Record<string, Json>)
      .filter(([path]) => path.startsWith('/v1/shards'))
      .flatMap(([path, item]) =>
        Object.entries(item).map(
          ([method, op]) => `${method.toUpperCase()} ${path} ${(op as Json).operationId}`,
        ),
      )
      .sort();
    expect(operations).toEqual([
      'GET /v1/shards/devices listShardDevices',
      'GET /v1/shards/devices/{deviceId} getShardDevice',
      'POST /v1/shards/devices provisionShardDevice',
      'POST /v1/shards/devices/batch provisionShardDeviceBatch',
      'POST /v1/shards/devices/{deviceId}/collect collectShardDevice',
      'POST /v1/shards/devices/{deviceId}/revoke revokeShardDevice',
      'POST /v1/shards/devices/{deviceId}/rotate rotateShardDevice',
      'POST /v1/shards/verify verifyDeviceSignature',
    ]);
    expect((doc.tags as Json[]).map((tag) => tag.name)).toEqual(
      expect.arrayContaining(['Shard devices', 'Device signatures']),
    );
  });

  it('documents the bodies as strict named schemas, and every reference resolves', () => {
    const provision = doc.paths['/v1/shards/devices'].post;
    expect(Object.keys(provision.responses)).toEqual(
      expect.arrayContaining(['200', '201', '400', '403', '409']),
    );
    expect(collectRefs(provision.requestBody)).toEqual(['#/components/schemas/ProvisionDeviceRequest']);
    expect(doc.components.schemas.ProvisionDeviceRequest).toMatchObject({
      additionalProperties: false,
      required: expect.arrayContaining(['deviceId', 'devicePublicKey']),
    });
    expect(doc.paths['/v1/shards/devices/{deviceId}/rotate'].post.requestBody.required).toBe(false);
    for (const ref of collectRefs(doc)) {
      const name = ref.replace('#/components/schemas/', '');
      expect(doc.components.schemas[name]).toBeDefined();
    }
  });
});
