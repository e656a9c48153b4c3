import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { apiContextOf, createApp, startApiServer, staticIdentityResolver, type ApiDeps } from '../../src/api';
import { governanceApi } from '../../src/governance';
import type { AnyRoute, HealthCheck } from '../../src/http';
import { rotationApi, type RotationApiDeps } from '../../src/rotation';
import { FakeFrontendNode, FakeLedger, FakeValidatorAgent, member, type FakeMember } from './fakes';

export const PEOPLE = {
  admin: member('admin', ['admin']),
  val1: member('val1', ['validator']),
  val2: member('val2', ['validator']),
  val3: member('val3', ['validator'], 'Org2MSP'),
  fe1: member('fe1', ['frontend']),
  fe2: member('fe2', ['frontend'], 'Org2MSP'),
  auditor: member('auditor', ['auditor']),
  stranger: member('stranger', []),
} satisfies Record<string, FakeMember>;

export type Person = keyof typeof PEOPLE;

export function tokenOf(person: Person): string {
  return `tok-${person}-0123456789abcdef`;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  readonly as?: Person;
  readonly body?: unknown;
  /** Sent as is (no JSON encoding); give the content type yourself. */
  readonly raw?: string | Buffer;
  readonly headers?: Record<string, string>;
}

export interface Harness {
  readonly url: string;
  readonly ledger: FakeLedger;
  readonly validators: Map<string, FakeValidatorAgent>;
  readonly frontends: Map<string, FakeFrontendNode>;
  readonly metrics: Registry;
  readonly logs: string[];
  /** The app's route table. */
  readonly routes: readonly AnyRoute[];
  request(method: string, path: string, options?: RequestOptions): Promise<Reply>;
  close(): Promise<void>;
}

export async function startHarness(
  overrides: Partial<ApiDeps> & {
    health?: HealthCheck[];
    noSigner?: Person[];
    rotation?: Omit<RotationApiDeps, 'validators' | 'frontends'>;
  } = {},
): Promise<Harness> {
  const { noSigner = [], rotation, ...deps } = overrides;
  const ledger = new FakeLedger().add(...Object.values(PEOPLE).filter((p) => p.roles.length > 0));
  const validators = new Map([
    ['val1', new FakeValidatorAgent(ledger, PEOPLE.val1)],
    ['val2', new FakeValidatorAgent(ledger, PEOPLE.val2)],
  ]);
  const frontends = new Map([
    ['fe1', new FakeFrontendNode(ledger, PEOPLE.fe1)],
    ['fe2', new FakeFrontendNode(ledger, PEOPLE.fe2)],
  ]);
  const identities = staticIdentityResolver(
    (Object.keys(PEOPLE) as Person[]).map((person) => ({
      caller: ledger.caller(PEOPLE[person], !noSigner.includes(person)),
      tokens: [tokenOf(person)],
    })),
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const metrics = new Registry();
  const app = createApp({
    identities,
    modules: [governanceApi(), rotationApi({ validators, frontends, ...rotation })],
    logger: pino({ level: 'debug' }, sink),
    metrics,
    roleCacheMs: 0,
    ...deps,
  });
  const server = await startApiServer({ app, host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    ledger,
    validators,
    frontends,
    metrics,
    logs,
    routes: apiContextOf(app).routes,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.as) {
        headers.authorization = `Bearer ${tokenOf(options.as)}`;
      }
      let body: string | Buffer | undefined;
      if (options.raw !== undefined) {
        body = options.raw;
      } else if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    close: () => server.close(),
  };
}

export const POLICY = { rotationIntervalMs: 86_400_000, maxMessages: 1000, algorithm: 'AES-256-GCM' };

/** Creates queue `q1` and commits key version 1 (val1 proposes, val2 approves). */
export async function queueWithKey(h: Harness, queueId = 'q1'): Promise<string> {
  expect((await h.request('PUT', `/v1/queues/${queueId}/policy`, { as: 'admin', body: POLICY })).status).toBe(
    201,
  );
  const rotated = await h.request('POST', `/v1/queues/${queueId}/rotate`, { as: 'val1' });
  expect(rotated.status).toBe(202);
  const approved = await h.request('POST', `/v1/proposals/${rotated.json.proposalId}/approve`, {
    as: 'val2',
  });
  expect(approved.json.status).toBe('committed');
  return rotated.json.proposalId as string;
}

export function expectProblem(reply: Reply, status: number, type?: string): void {
  expect({ status: reply.status, contentType: reply.headers.get('content-type') }).toEqual({
    status,
    contentType: 'application/problem+json; charset=utf-8',
  });
  expect(reply.json).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  expect(reply.json.type).toMatch(/^urn:keyledger:problem:/);
  expect(reply.json.instance).toMatch(/^\//);
  if (type) {
    expect(reply.json.type).toBe(`urn:keyledger:problem:${type}`);
  }
}
