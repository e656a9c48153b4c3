/**
 * SigningKeyManager against a SoftHSM token and an in-memory SigningKeys ledger that applies the contract's
 * lifecycle rules (published → active with expectedActiveKid, activation retires the active key, revocation is
 * final): the schedule, restart, and revocations reported more than once or during a publish.
 */
import type { signing } from '@keyledger/chaincode/protocol';
import type { HsmToken } from '../../../src/hsm';
import { SigningKeyStore } from '../../../src/signing/keys';
import type {
  RegisterSigningKeyInput,
  RevokeSigningKeyInput,
  SigningLedger,
} from '../../../src/signing/ledger';
import { SigningKeyManager, type SigningKeyManagerOptions } from '../../../src/signing/service';
import { newTestToken } from '../../support/softhsm';

const SERVICE = 'unit-signer';

/** The contract's rules, in memory, with a count of each call. */
class FakeLedger {
  readonly keys = new Map<string, signing.SigningKeyRecord>();
  readonly calls: string[] = [];
  failActivations = 0;

  async register(input: RegisterSigningKeyInput): Promise<signing.SigningKeyRecord> {
    this.calls.push(`register ${input.kid}`);
    const now = Date.now();
    const record = {
      kid: input.kid,
      algorithm: input.algorithm,
      publicJwk: input.publicJwk,
      thumbprint: input.kid,
      issuerCaIds: [...input.issuerCaIds],
      notBefore: input.notBefore,
      serviceId: input.serviceId ?? 'default',
      graceMs: input.graceMs ?? 86_400_000,
      status: 'published',
      registeredAt: now,
      registeredBy: { mspId: 'Org1MSP', fingerprint: 'f' },
      updatedAt: now,
      version: 1,
    } satisfies signing.SigningKeyRecord;
    this.keys.set(input.kid, record);
    return record;
  }

  async activate(kid: string, expectedActiveKid?: string): Promise<signing.SigningKeyRecord> {
    this.calls.push(`activate ${kid}`);
    if (this.failActivations > 0) {
      this.failActivations -= 1;
      throw new Error('endorsement failed');
    }
    const key = this.#read(kid);
    if (key.status !== 'published') {
      throw new Error(`signing key ${kid} is ${key.status}`);
    }
    const active = [...this.keys.values()].filter(
      (k) => k.serviceId === key.serviceId && k.status === 'active',
    );
    if (expectedActiveKid !== undefined && active[0]?.kid !== expectedActiveKid) {
      throw new Error(`expected active key ${expectedActiveKid}`);
    }
    const now = Date.now();
    for (const previous of active) {
      this.keys.set(previous.kid, { ...previous, status: 'retired', retiredAt: now });
    }
    const next = { ...key, status: 'active' as const, activatedAt: now, version: key.version + 1 };
    this.keys.set(kid, next);
    return next;
  }

  async revoke(input: RevokeSigningKeyInput): Promise<signing.SigningKeyRecord> {
    this.calls.push(`revoke ${input.kid}`);
    const key = this.#read(input.kid);
    if (key.status === 'revoked') {
      throw new Error('already revoked');
    }
    const next = {
      ...key,
      status: 'revoked' as const,
      revokedAt: Date.now(),
      revocationReason: input.reason,
    };
    this.keys.set(input.kid, next);
    return next;
  }

  async get(kid: string): Promise<signing.SigningKeyRecord | undefined> {
    return this.keys.get(kid);
  }

  async list(status?: signing.SigningKeyStatus): Promise<signing.SigningKeyRecord[]> {
    return [...this.keys.values()].filter((key) => status === undefined || key.status === status);
  }

  ofStatus(status: signing.SigningKeyStatus): string[] {
    return [...this.keys.values()].filter((key) => key.status === status).map((key) => key.kid);
  }

  #read(kid: string): signing.SigningKeyRecord {
    const key = this.keys.get(kid);
    if (key === undefined) {
      throw new Error(`no key ${kid}`);
    }
    return key;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(20);
  }
}

describe('SigningKeyManager', () => {
  let token: HsmToken;
  let store: SigningKeyStore;
  let ledger: FakeLedger;
  let managers: SigningKeyManager[];
  /** Each certification waits for this gate when one is set. */
  let gate: Promise<void> | undefined;
  let certifyFailures: number;

  beforeEach(() => {
    token = newTestToken('key-manager');
    store = new SigningKeyStore({ token });
    ledger = new FakeLedger();
    managers = [];
    gate = undefined;
    certifyFailures = 0;
  });

  afterEach(async () => {
    await Promise.all(managers.map((manager) => manager.stop()));
    token.close();
  });

  const manager = (options: Partial<SigningKeyManagerOptions> = {}): SigningKeyManager => {
    const made = new SigningKeyManager({
      store,
      ledger: ledger as unknown as SigningLedger,
      serviceId: SERVICE,
      certify: async () => {
        await gate;
        if (certifyFailures > 0) {
          certifyFailures -= 1;
          throw new Error('CA down');
        }
        return ['ca1'];
      },
      pollIntervalMs: 60_000,
      retryMs: 50,
      ...options,
    });
    managers.push(made);
    return made;
  };

  it('refuses a bad policy when it is made', () => {
    expect(() => manager({ rotation: { every: 'fortnightly' } })).toThrow(/invalid rotation every/);
  });

  it('publishes the next key ahead, then activates it in place of the current one', async () => {
    const keys = manager({ rotation: { every: 'PT2S', publishAhead: 'PT1S' } });
    const first = await keys.start();
    const planned = keys.schedule();
    expect(planned).toEqual({ every: 'PT2S', nextRotationAt: first.activatedAt + 2_000 });

    await until('a published key', () => keys.schedule()?.nextKid !== undefined);
    const next = keys.schedule()!.nextKid!;
    expect(ledger.ofStatus('published')).toEqual([next]);
    expect(keys.peek()?.kid).toBe(first.kid);
    expect(Date.now()).toBeLessThan(first.activatedAt + 2_000);

    await until('the rotation', () => keys.peek()?.kid === next);
    expect(ledger.ofStatus('retired')).toEqual([first.kid]);
    expect(store.find(first.kid)).toBeUndefined();
    expect(keys.stillActive(first.kid)).toBe(false);
    expect(keys.stillActive(next)).toBe(true);
  }, 15_000);

  it('retries a failed step with backoff while the current key keeps signing', async () => {
    const keys = manager({ rotation: { every: 'PT2S', publishAhead: 'PT1S' } });
    const first = await keys.start();
    certifyFailures = 2;
    ledger.failActivations = 1;
    await until('the failed publishes', () => certifyFailures === 0);
    await expect(keys.current()).resolves.toMatchObject({ kid: first.kid });
    await until('the rotation', () => (keys.peek()?.kid ?? first.kid) !== first.kid, 8_000);
    const activations = ledger.calls.filter((call) => call.startsWith('activate'));
    // initial, the failed try, the retry: with one and the same published key.
    expect(activations).toHaveLength(3);
    expect(activations[1]).toBe(activations[2]);
    expect(ledger.ofStatus('published')).toEqual([]);
  }, 15_000);

  it('two reports of one revocation rotate once', async () => {
    const keys = manager();
    const first = await keys.start();
    const revoked = await ledger.revoke({ kid: first.kid, reason: 'keyCompromise' });
    expect(keys.stillActive(first.kid)).toBe(true);
    const a = keys.keyRevoked(revoked);
    const b = keys.keyRevoked(revoked);
    expect(keys.stillActive(first.kid)).toBe(false);
    expect(keys.peek()).toBeUndefined();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toBe(rb);
    expect(ra).toMatchObject({ cause: 'revoked', previousKid: first.kid });
    await expect(keys.keyRevoked(revoked)).resolves.toBe(ra);
    expect(ledger.ofStatus('active')).toEqual([ra!.kid]);
    expect(ledger.calls.filter((call) => call.startsWith('register'))).toHaveLength(2);
    expect(store.find(first.kid)).toBeUndefined();
    // Someone else's key is not ours to handle.
    await expect(keys.keyRevoked({ ...revoked, serviceId: 'other' })).resolves.toBeUndefined();
  });

  it('a revocation during a publish activates the key being published: never two next keys', async () => {
    const keys = manager({ rotation: { every: 'PT2S', publishAhead: 'PT1S' } });
    const first = await keys.start();
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    await until('the publish to begin', () => store.list().length === 2);
    const { rotation } = await Promise.all([
      keys.revoke({ kid: first.kid, reason: 'keyCompromise' }),
      sleep(50).then(() => open()),
    ]).then(([result]) => result);
    gate = undefined;
    expect(rotation).toMatchObject({ cause: 'revoked', previousKid: first.kid });
    expect(ledger.calls.filter((call) => call.startsWith('register'))).toHaveLength(2);
    expect(ledger.ofStatus('active')).toEqual([rotation!.kid]);
    expect(ledger.ofStatus('published')).toEqual([]);
    expect(keys.schedule()).toMatchObject({ nextRotationAt: rotation!.activatedAt + 2_000 });
  }, 15_000);

  it('a revoked pending key is destroyed and another one published', async () => {
    const keys = manager({ rotation: { every: 'PT3S', publishAhead: 'PT2S' } });
    await keys.start();
    await until('a published key', () => keys.schedule()?.nextKid !== undefined);
    const pending = keys.schedule()!.nextKid!;
    await expect(keys.keyRevoked(await ledger.revoke({ kid: pending, reason: 'superseded' }))).resolves.toBe(
      undefined,
    );
    expect(store.find(pending)).toBeUndefined();
    await until('another published key', () => (keys.schedule()?.nextKid ?? pending) !== pending);
  }, 15_000);

  it('at a restart, takes up the published key it holds and revokes one it does not', async () => {
    const before = manager({ rotation: { every: 'PT30S', publishAhead: 'PT29S' } });
    const first = await before.start();
    await until('a published key', () => before.schedule()?.nextKid !== undefined);
    const pending = before.schedule()!.nextKid!;
    await before.stop();
    // A published key of this service whose private half is in no token here.
    const orphan = store.generate({ alg: 'ES256' });
    await ledger.register({
      kid: orphan.kid,
      publicJwk: {},
      issuerCaIds: ['ca1'],
      notBefore: 0,
      algorithm: 'ES256',
      activate: false,
      serviceId: SERVICE,
    });
    ledger.keys.set(orphan.kid, { ...ledger.keys.get(orphan.kid)!, registeredAt: 0 });
    store.destroy(orphan.kid);

    const after = manager({ rotation: { every: 'PT30S', publishAhead: 'PT29S' } });
    await expect(after.start()).resolves.toMatchObject({ kid: first.kid });
    expect(after.schedule()).toMatchObject({ nextKid: pending });
    expect(ledger.keys.get(orphan.kid)).toMatchObject({ status: 'revoked', revocationReason: 'superseded' });
    expect(ledger.calls.filter((call) => call.startsWith('register'))).toHaveLength(3);
  }, 15_000);
});
