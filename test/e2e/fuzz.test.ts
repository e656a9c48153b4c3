/**
 * REST fuzzing of the whole stack (`npm start`'s composition on random ports), driven by the API's own OpenAPI
 * document: every operation it lists gets requests generated from its parameters and request body schema —
 * valid, one rule broken, hostile path segments, odd headers, tokens of every role, junk bodies — so a route
 * added later is fuzzed without an edit here. Every answer must hold:
 *   (1) no 5xx (a 503 from /health is a defined answer; the ledger is up throughout);
 *   (2) a 4xx is `application/problem+json; charset=utf-8` with the documented members (a problem type the
 *       document lists, `status` = the HTTP status, a detail, `requestId` = X-Request-Id, ≤ 20 field errors);
 *   (3) a rejected (4xx) mutating request changes no observable state (queues, proposals, per-queue policy, key,
 *       history and open proposal, the front-ends' key versions);
 *   (4) the status is one the document declares for the operation.
 *
 * `npm test` runs a fixed seed and a bounded number of runs. A longer or different run, on demand:
 *   KEYLEDGER_FUZZ_RUNS=5000 KEYLEDGER_FUZZ_SEED=42 npx jest test/e2e/fuzz.test.ts --selectProjects e2e
 * Replaying a failure: KEYLEDGER_FUZZ_SEED=<seed> KEYLEDGER_FUZZ_PATH=<path> (both printed by fast-check);
 * KEYLEDGER_FUZZ_SHRINK=0 reports the first counterexample without shrinking it; KEYLEDGER_FUZZ_VERBOSE=1 prints
 * the statuses each operation answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { startLocalStack, type LocalStack } from '../../gateway/src/stack';
import { eventually } from './support/eventually';
import { checkResponse } from './support/fuzz/checks';
import {
  describeWire,
  send,
  wireRequest,
  type CaseEnvironment,
  type WireResponse,
} from './support/fuzz/client';
import { readApiDocument, type ApiDocument } from './support/fuzz/document';
import { requestArbitrary, type FuzzCase } from './support/fuzz/requests';
import { CALM_POLICY, settle } from './support/fuzz/settle';
import {
  differences,
  existingIds,
  readSnapshot,
  type Snapshot,
  type StateReader,
} from './support/fuzz/state';

const RUNS = Number(process.env['KEYLEDGER_FUZZ_RUNS'] ?? 400);
const SEED = Number(process.env['KEYLEDGER_FUZZ_SEED'] ?? 20_261_202);
const REPLAY_PATH = process.env['KEYLEDGER_FUZZ_PATH'];
const SHRINK = process.env['KEYLEDGER_FUZZ_SHRINK'] !== '0';
const VERBOSE = process.env['KEYLEDGER_FUZZ_VERBOSE'] === '1';
const QUEUE = 'fuzz-orders';

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

function describeResponse(response: WireResponse, tokens: readonly string[]): string {
  const body = tokens.reduce(
    (out, token) => out.split(token).join('<token>'),
    response.body.toString('utf8'),
  );
  return `${response.status} ${String(response.headers['content-type'] ?? '(no content-type)')}\n  ${cut(body, 600)}`;
}

describe('REST API fuzzing from the OpenAPI document', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyledger-fuzz-'));
  let stack: LocalStack | undefined;

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    `holds its properties on ${RUNS} generated requests (seed ${SEED})`,
    async () => {
      stack = await startLocalStack({
        tokenLabelPrefix: 'fuzz-',
        dataDir,
        network: 'devnet',
        devnetPort: 0,
        apiPort: 0,
        progress: () => {},
      });
      const apiUrl = stack.apiUrl;
      const tokens = new Map(stack.participants.map((p) => [p.name, p.apiToken]));
      const frontends = stack.participants.filter((p) => p.role === 'frontend').map((p) => p.name);
      const reader: StateReader = { apiUrl, token: tokens.get('admin') as string, frontends };
      const as = (who: string, method: string, path: string, body?: unknown): Promise<Response> =>
        fetch(`${apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${tokens.get(who)}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });

      // Seed: a queue with a committed key that both front-ends hold, and one envelope sealed under it.
      expect((await as('admin', 'PUT', `/v1/queues/${QUEUE}/policy`, CALM_POLICY)).status).toBe(201);
      const envelopes: string[] = [];
      for (const name of frontends) {
        const sealed = await eventually(`the first key of ${QUEUE} at ${name}`, async () => {
          const response = await as(name, 'POST', `/v1/queues/${QUEUE}/encrypt`, { plaintext: 'aGVsbG8=' });
          return response.status === 200 ? ((await response.json()) as { envelope: string }) : undefined;
        });
        envelopes.push(sealed.envelope);
      }
      let current: Snapshot = await settle(reader);
      let pools = existingIds(current, frontends);
      const refresh = (snapshot: Snapshot): void => {
        current = snapshot;
        pools = existingIds(snapshot, frontends);
      };

      // A data key of the demo key (replicated to every provider, granted to admin): a blob that really decrypts.
      const context = { fuzz: 'seed' };
      const dataKey = await as('admin', 'POST', `/v1/keys/${stack.demoKeyId}/datakey`, {
        encryptionContext: context,
      });
      expect(dataKey.status).toBe(200);
      const { ciphertextBlob } = (await dataKey.json()) as { ciphertextBlob: string };

      const document: ApiDocument = readApiDocument(await (await fetch(`${apiUrl}/v1/openapi.json`)).json());
      expect(document.operations.length).toBeGreaterThan(0);
      const env: CaseEnvironment = {
        tokenOf: (participant) => tokens.get(participant) ?? '',
        existing: (parameter) => pools.get(parameter) ?? [...pools.values()].flat(),
      };
      // Values no schema can produce: an envelope the API really sealed, the names of this gateway's front-ends, a
      // data key blob a provider really sealed and the context it was sealed with.
      const hints = new Map<string, readonly unknown[]>([
        ['envelope', envelopes],
        ['frontend', frontends],
        ['ciphertextBlob', [ciphertextBlob]],
        ['encryptionContext', [context]],
      ]);
      const secrets = [...tokens.values()];
      const seen = new Map<string, Map<number, number>>();

      const check = async (fuzz: FuzzCase): Promise<void> => {
        const request = wireRequest(fuzz, env);
        const response = await send(apiUrl, request);
        const counts = seen.get(fuzz.operation.operationId) ?? new Map<number, number>();
        counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
        seen.set(fuzz.operation.operationId, counts);

        const violations = checkResponse(document, fuzz.operation, fuzz.method, response);
        if (fuzz.mutating && response.status >= 400 && response.status < 500) {
          const after = await readSnapshot(reader);
          const changed = differences(current, after);
          if (changed.length > 0) {
            violations.push(
              `the request was refused (${response.status}) yet changed the state: ${changed.join('; ')}`,
            );
          }
          refresh(after);
        } else if (fuzz.mutating) {
          // Accepted (or failed): the state may move while the agents finish; compare from where it comes to rest.
          refresh(await settle(reader));
        }
        if (violations.length > 0) {
          throw new Error(
            [
              ...violations.map((violation) => `- ${violation}`),
              'request:',
              describeWire(request, secrets),
              'response:',
              describeResponse(response, secrets),
            ].join('\n'),
          );
        }
      };

      await fc.assert(
        fc.asyncProperty(
          requestArbitrary(document.operations, [...tokens.keys()], {
            resolve: document.resolve,
            hints: (field) => hints.get(field) ?? [],
          }),
          check,
        ),
        {
          seed: SEED,
          numRuns: RUNS,
          ...(REPLAY_PATH !== undefined ? { path: REPLAY_PATH } : {}),
          endOnFailure: !SHRINK,
        },
      );

      if (VERBOSE) {
        const lines = [...seen].map(
          ([operation, counts]) =>
            `${operation}: ${[...counts]
              .sort(([a], [b]) => a - b)
              .map(([status, n]) => `${status}×${n}`)
              .join(' ')}`,
        );
        console.log(`statuses by operation (seed ${SEED}, ${RUNS} runs):\n${lines.join('\n')}`);
      }
      // The generator reaches every operation of the document (a fuzzer that never calls a route tests nothing).
      if (REPLAY_PATH === undefined && RUNS >= 100) {
        expect(
          document.operations.filter((op) => !seen.has(op.operationId)).map((op) => op.operationId),
        ).toEqual([]);
      }
    },
    120_000 + RUNS * 3_000,
  );
});
