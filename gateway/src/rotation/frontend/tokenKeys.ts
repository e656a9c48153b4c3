import { destroyKey, findKeys, keyCheckValue, type HsmToken, type KeyRef } from '../../hsm';
import { sameKeyCheckValue } from '../ciphers';

const TOKEN_LABEL = /^(.+)\/v(\d+)$/;

/**
 * The token label of a queue's key version: the persistent, non-extractable copy a restarted node resumes
 * from. Queue ids cannot contain `/`, so the label parses back unambiguously.
 */
export function keyVersionLabel(queueId: string, version: number): string {
  return `${queueId}/v${version}`;
}

/** The persistent copy of a version from an earlier run; other objects under the label are destroyed. */
export function findTokenKey(token: HsmToken, label: string, expectedKcv: string): KeyRef | undefined {
  let found: KeyRef | undefined;
  for (const candidate of findKeys(token, { keyClass: 'secret', label })) {
    if (found === undefined && sameKeyCheckValue(keyCheckValue(token, candidate), expectedKcv)) {
      found = candidate;
    } else {
      destroyKey(token, candidate);
    }
  }
  return found;
}

/**
 * Destroys the token objects of a queue's versions that an earlier run kept and that are no longer wanted
 * (`keep` says no). Returns the versions destroyed.
 */
export function destroyStaleTokenKeys(
  token: HsmToken,
  queueId: string,
  keep: (version: number) => boolean,
): number[] {
  const destroyed: number[] = [];
  for (const key of findKeys(token, { keyClass: 'secret' })) {
    const match = TOKEN_LABEL.exec(key.label);
    if (!match || match[1] !== queueId) {
      continue;
    }
    const version = Number(match[2]);
    if (!keep(version)) {
      destroyKey(token, key);
      destroyed.push(version);
    }
  }
  return destroyed;
}
