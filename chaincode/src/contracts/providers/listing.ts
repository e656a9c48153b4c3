import {
  listByPartialKey,
  ObjectType,
  readJson,
  type KeyLedgerContext,
  type ObjectTypeName,
} from '../../lib';
import type { ProviderProfile } from '../../protocol/providers';
import { providerKey } from './keys';
import type { ListFilter } from './schemas';
import { computeScore, type ScoreBreakdown } from './score';
import { readStats } from './store';

/** A provider as ListProviders answers: the whole profile (what a client needs to connect) and its score. */
export type ScoredProvider = ProviderProfile & ScoreBreakdown;

async function providerIdsFromIndex(
  ctx: KeyLedgerContext,
  type: ObjectTypeName,
  value: string,
): Promise<string[]> {
  const rows = await listByPartialKey<{ providerId: string }>(ctx, type, [value]);
  return rows.map((row) => row.providerId);
}

/** The profiles a filter can match: read through the key-id or algorithm index when one is named. */
async function candidates(ctx: KeyLedgerContext, filter: ListFilter): Promise<ProviderProfile[]> {
  let ids: string[] | undefined;
  if (filter.keyId !== undefined) {
    ids = await providerIdsFromIndex(ctx, ObjectType.providerKey, filter.keyId);
  } else if (filter.algorithm !== undefined) {
    ids = await providerIdsFromIndex(ctx, ObjectType.providerAlgorithm, filter.algorithm);
  }
  if (ids === undefined) {
    return listByPartialKey<ProviderProfile>(ctx, ObjectType.provider, []);
  }
  const profiles: ProviderProfile[] = [];
  for (const id of ids) {
    const profile = await readJson<ProviderProfile>(ctx, providerKey(ctx, id));
    if (profile) {
      profiles.push(profile);
    }
  }
  return profiles;
}

function matches(profile: ProviderProfile, filter: ListFilter): boolean {
  return (
    (filter.algorithm === undefined || profile.algorithms.includes(filter.algorithm)) &&
    (filter.region === undefined || profile.region === filter.region) &&
    (filter.includeSuspended === true || profile.status === 'active')
  );
}

/** Score descending, then provider id ascending (code-point order) so ties list the same way everywhere. */
function byScore(a: ScoredProvider, b: ScoredProvider): number {
  if (a.score !== b.score) {
    return b.score - a.score;
  }
  return a.providerId < b.providerId ? -1 : a.providerId > b.providerId ? 1 : 0;
}

/** Providers matching a filter with their scores at transaction time, best first. */
export async function listScored(ctx: KeyLedgerContext, filter: ListFilter): Promise<ScoredProvider[]> {
  const scored: ScoredProvider[] = [];
  for (const profile of await candidates(ctx, filter)) {
    if (matches(profile, filter)) {
      scored.push({ ...profile, ...computeScore(await readStats(ctx, profile.providerId), ctx.now) });
    }
  }
  return scored.sort(byScore);
}
