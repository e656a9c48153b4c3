import { KeyUnavailableError } from '../errors';
import type { QueueKeyring } from '../keyring';
import type { RefusedKeyVersion } from '../types';

/** Why a node cannot seal for a queue: it has no version yet, or none it may use. */
export function noUsableKey(
  node: string,
  queueId: string,
  ring: QueueKeyring | undefined,
): KeyUnavailableError {
  const why =
    ring === undefined || ring.size === 0
      ? 'holds no key version yet'
      : 'holds no usable key version (all compromised or not yet valid)';
  return new KeyUnavailableError({
    code: 'NO_USABLE_KEY',
    queueId,
    message: `front-end ${node} ${why} for queue ${queueId}`,
  });
}

/** Why a node cannot open an envelope of a version it does not hold: refused, destroyed, or never seen. */
export function unknownVersion(
  node: string,
  queueId: string,
  version: number,
  ring: QueueKeyring | undefined,
  refused: RefusedKeyVersion | undefined,
): KeyUnavailableError {
  if (refused) {
    return new KeyUnavailableError({
      code: 'REFUSED_VERSION',
      queueId,
      message: `key version ${version} of queue ${queueId} was refused by this node: ${refused.reason}`,
      version,
    });
  }
  if (ring !== undefined && ring.isPastRetention(version, Date.now())) {
    const { retentionVersions, retentionMs } = ring.policy;
    return new KeyUnavailableError({
      code: 'PAST_RETENTION',
      queueId,
      message:
        `key version ${version} of queue ${queueId} is past retention (not among the newest ${retentionVersions} ` +
        `versions and replaced more than ${retentionMs} ms ago) and was destroyed`,
      version,
    });
  }
  return new KeyUnavailableError({
    code: 'UNKNOWN_VERSION',
    queueId,
    message: `front-end ${node} holds no key version ${version} for queue ${queueId}`,
    version,
  });
}
