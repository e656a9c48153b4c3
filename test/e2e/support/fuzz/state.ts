/**
 * The stack's observable state, read through the API as a member: queues, pending proposals, and per queue its
 * policy, key, history and open proposal, plus the key versions each front-end node holds; the customer master
 * keys with their grants and status, and which keys each provider's profile lists. A rejected request must leave
 * it as it was; fields that move on their own (time since the last rotation, message counts the front-ends report
 * in batches, the time a key list was read) are left out of the comparison, and of the providers only their
 * profiles' key lists are kept (scores and load move with every served request); the signing keys on the ledger,
 * how many requests the signing queue holds, and the shard generator's devices.
 */
import { isDeepStrictEqual } from 'node:util';
import { isVersionRetained } from '@keyledger/chaincode/protocol';

export interface StateReader {
  readonly apiUrl: string;
  /** A member's bearer token (reads only). */
  readonly token: string;
  readonly frontends: readonly string[];
}

export interface Snapshot {
  readonly queues: readonly Record<string, unknown>[];
  readonly proposals: readonly Record<string, unknown>[];
  readonly perQueue: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly keys: readonly Record<string, unknown>[];
  /** Provider id → the key ids its profile lists. */
  readonly providerKeys: Readonly<Record<string, unknown>>;
  /** The signing keys on the ledger (kid, status, …). */
  readonly signingKeys: readonly Record<string, unknown>[];
  /** Signing requests the service's queue holds, in any state (states move on their own; the count does not). */
  readonly signingRequests: number;
  /** The shard generator's devices: epochs, validity, schedule, revocation. */
  readonly shardDevices: readonly Record<string, unknown>[];
}

/**
 * Fields that change without any request: `due.elapsedMs` grows with time, `due.messages` with volume reports,
 * `asOf` is when a list was read.
 */
const VOLATILE = new Set(['elapsedMs', 'messages', 'asOf']);

function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(withoutVolatile);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !VOLATILE.has(key))
        .map(([key, inner]) => [key, withoutVolatile(inner)]),
    );
  }
  return value;
}

async function read(reader: StateReader, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${reader.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${reader.token}` },
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) {
    throw new Error(
      `reading state: GET ${path} answered ${response.status}: ${JSON.stringify(body).slice(0, 300)}`,
    );
  }
  return body;
}

/** Reads everything a request could change. */
export async function readSnapshot(reader: StateReader): Promise<Snapshot> {
  const [queues, proposals, keys, providers, signingKeys, health, shardDevices] = await Promise.all([
    read(reader, '/v1/queues'),
    read(reader, '/v1/proposals'),
    read(reader, '/v1/keys'),
    read(reader, '/v1/providers'),
    read(reader, '/v1/signing/keys'),
    read(reader, '/health'),
    read(reader, '/v1/shards/devices?limit=1000'),
  ]);
  const signingQueue =
    (health['checks'] as Record<string, { data?: { queue?: { byState?: Record<string, number> } } }>)[
      'signing'
    ]?.data?.queue?.byState ?? {};
  const items = (queues['items'] as Record<string, unknown>[]) ?? [];
  const perQueue: Record<string, Record<string, unknown>> = {};
  for (const queue of items) {
    const id = String(queue['queueId']);
    const base = `/v1/queues/${encodeURIComponent(id)}`;
    const [policy, key, history, pending, ...versions] = await Promise.all([
      read(reader, `${base}/policy`),
      read(reader, `${base}/key`),
      read(reader, `${base}/history`),
      read(reader, `${base}/proposals`),
      ...reader.frontends.map((name) =>
        read(reader, `${base}/frontends/${encodeURIComponent(name)}/versions`),
      ),
    ]);
    perQueue[id] = {
      policy,
      key,
      history,
      pending,
      frontends: Object.fromEntries(reader.frontends.map((name, i) => [name, versions[i]?.['versions']])),
    };
  }
  return {
    queues: items,
    proposals: (proposals['items'] as Record<string, unknown>[]) ?? [],
    perQueue,
    keys: (keys['keys'] as Record<string, unknown>[]) ?? [],
    providerKeys: Object.fromEntries(
      ((providers['providers'] as Record<string, unknown>[]) ?? []).map((provider) => [
        String(provider['providerId']),
        provider['keyIds'],
      ]),
    ),
    signingKeys: (signingKeys['keys'] as Record<string, unknown>[]) ?? [],
    signingRequests: Object.values(signingQueue).reduce((sum, n) => sum + n, 0),
    shardDevices: (shardDevices['devices'] as Record<string, unknown>[]) ?? [],
  };
}

/** Paths where two snapshots differ (volatile fields aside), at most `max`. */
export function differences(before: Snapshot, after: Snapshot, max = 8): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= max || isDeepStrictEqual(a, b)) {
      return;
    }
    if (
      typeof a === 'object' &&
      a !== null &&
      typeof b === 'object' &&
      b !== null &&
      Array.isArray(a) === Array.isArray(b)
    ) {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of keys) {
        walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
      }
      return;
    }
    out.push(`${path}: ${JSON.stringify(a)?.slice(0, 120)} → ${JSON.stringify(b)?.slice(0, 120)}`);
  };
  walk(withoutVolatile(before), withoutVolatile(after), 'state');
  return out;
}

/** Ids of what exists, by the path parameter names that refer to them. */
export function existingIds(snapshot: Snapshot, frontends: readonly string[]): Map<string, string[]> {
  const queueIds = snapshot.queues.map((queue) => String(queue['queueId']));
  const proposalIds = new Set<string>();
  for (const proposal of snapshot.proposals) {
    proposalIds.add(String(proposal['proposalId']));
  }
  for (const state of Object.values(snapshot.perQueue)) {
    const rotations =
      ((state['history'] as Record<string, unknown>)?.['rotations'] as Record<string, unknown>[]) ?? [];
    for (const rotation of rotations) {
      proposalIds.add(String(rotation['proposalId']));
    }
  }
  return new Map([
    ['queueId', queueIds],
    ['proposalId', [...proposalIds].sort()],
    ['name', [...frontends]],
    ['keyId', snapshot.keys.map((key) => String(key['keyId']))],
    ['providerId', Object.keys(snapshot.providerKeys)],
    ['kid', snapshot.signingKeys.map((key) => String(key['kid']))],
  ]);
}

/**
 * Why the agents are not done yet (undefined when they are) with what the last accepted request started: no proposal open, and every
 * front-end holds exactly the versions the queue's retention keeps (the newest `retentionVersions` and those
 * superseded less than `retentionMs` ago; a changed retention makes a node fetch or destroy some) with the active one as current. A queue that stays due (one
 * whose id is too long for a key id, say) counts as settled once `patient` is over.
 */
export function unsettled(
  snapshot: Snapshot,
  frontends: readonly string[],
  patient: boolean,
): string | undefined {
  if (snapshot.proposals.length > 0) {
    return `${snapshot.proposals.length} proposal(s) open`;
  }
  for (const [queueId, state] of Object.entries(snapshot.perQueue)) {
    const key = state['key'] as { due?: { due?: boolean; activeVersion?: number } };
    const policy = state['policy'] as Record<string, unknown>;
    const retention = {
      retentionVersions: Number(policy['retentionVersions'] ?? 1),
      retentionMs: Number(policy['retentionMs'] ?? 0),
    };
    const active = key.due?.activeVersion ?? 0;
    if (key.due?.due && !patient) {
      return `${queueId} is due for a rotation`;
    }
    const rotations =
      ((state['history'] as Record<string, unknown>)?.['rotations'] as {
        version: number;
        supersededAt?: number;
      }[]) ?? [];
    const supersededAt = new Map(rotations.map((rotation) => [rotation.version, rotation.supersededAt]));
    // The front-ends' own rule: they must hold the newest retentionVersions, and may hold a version superseded less
    // than retentionMs ago (one destroyed under an earlier, shorter retention is not fetched again).
    const kept: number[] = [];
    const allowed = new Set<number>();
    for (let version = 1; version <= active; version += 1) {
      const at = supersededAt.get(version);
      const subject = at === undefined ? { version } : { version, supersededAt: at };
      if (active - version < retention.retentionVersions) {
        kept.push(version);
      }
      if (isVersionRetained(retention, active, subject, Date.now())) {
        allowed.add(version);
      }
    }
    const held = state['frontends'] as Record<string, { version: number; current: boolean }[] | undefined>;
    for (const name of frontends) {
      const versions = held[name] ?? [];
      const holds = versions.map((entry) => entry.version).sort((a, b) => a - b);
      if (
        kept.some((version) => !holds.includes(version)) ||
        holds.some((version) => !allowed.has(version))
      ) {
        return (
          `${name} holds versions [${holds.join(', ')}] of ${queueId}; retention needs [${kept.join(', ')}] ` +
          `and allows [${[...allowed].join(', ')}]`
        );
      }
      if (active > 0 && !versions.some((entry) => entry.version === active && entry.current)) {
        return `${name} does not use version ${active} of ${queueId} yet`;
      }
    }
  }
  return undefined;
}
