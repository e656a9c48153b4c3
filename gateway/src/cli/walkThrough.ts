import { resolve } from 'node:path';
import { DEFAULT_PROFILE_PATH } from '../client';
import { acceptsPolicyField } from '../rotation/cli';
import type { LocalStack } from '../stack';

/** The repository root (this file runs as gateway/dist/cli/walkThrough.js), where the walk-through is pasted. */
const REPOSITORY_ROOT = resolve(__dirname, '../../..');

/**
 * The printed walk-through: the same session with the `keyledger` command and with curl. Every step that
 * changes the ledger waits for the commit (`--wait`, `?wait=committed`), so the next step never sees the old
 * state. A minimum rotation interval (the chaincode's default refuses a rotation within a minute of the last)
 * is set to 0 only when this gateway's API takes the field, so the walk-through shows only what works.
 */
export function walkThrough(stack: LocalStack): string[] {
  const token = (name: string): string => stack.participants.find((p) => p.name === name)?.apiToken ?? '';
  const minInterval = acceptsPolicyField('minRotationIntervalMs');
  const profile =
    stack.profilePath === resolve(REPOSITORY_ROOT, DEFAULT_PROFILE_PATH)
      ? []
      : [`  export KEYLEDGER_PROFILE=${stack.profilePath}`];
  const policyJson = `{"rotationIntervalMs":3600000,"maxMessages":100000,"algorithm":"AES-256-GCM"${minInterval ? ',"minRotationIntervalMs":0' : ''}}`;
  const json = `-H 'content-type: application/json'`;
  const key = stack.demoKeyId;
  const killed = stack.providers[0];
  const spare = stack.spareDevice;
  const as = (name: string): string => `-H "authorization: Bearer $${name}"`;
  const custody = stack.threshold;
  const paused = custody?.modules[0];
  return [
    'Walk-through with the keyledger command (paste from the repository root; `npx keyledger --help` lists every command):',
    ...profile,
    '  # 1. a queue with a key policy: the validators propose its first key, a quorum approves, front-ends load it',
    `  npx keyledger queue policy set orders --interval 1h --max-messages 100000${minInterval ? ' --min-interval 0' : ''} --wait`,
    '  npx keyledger queue key orders',
    '  # 2. encrypt and decrypt through a front-end node',
    '  ENV=$(printf hello | npx keyledger encrypt orders --as frontend1)',
    '  npx keyledger decrypt orders --as frontend1 "$ENV"; echo',
    '  # 3. rotate now: validator2 proposes, the others approve, every front-end moves to the new version',
    '  npx keyledger rotate orders --as validator2 --wait',
    '  npx keyledger history orders',
    '  # 4. the old envelope still decrypts (retention); bad input gets a clear error and exit code 6',
    '  npx keyledger decrypt orders --as frontend1 "$ENV"; echo',
    '  npx keyledger queue policy set orders --interval 1h --max-messages 0; echo "exit code $?"',
    `  # 5. key providers: a data key under the CMK ${key}; stderr says which provider served it and why`,
    `  BLOB=$(npx keyledger key datakey ${key} --context app=walkthrough)`,
    `  npx keyledger key decrypt ${key} --context app=walkthrough "$BLOB" | wc -c`,
    '  npx keyledger provider list',
    ...(killed
      ? [
          `  # 6. kill -9 provider ${killed.name}: requests still succeed (failover), its score drops with the next outcome batch`,
          `  kill -9 $(cat ${killed.pidFile})`,
          `  for i in 1 2 3 4 5 6 7 8 9 10; do npx keyledger key datakey ${key} > /dev/null 2>&1 || echo failed; done`,
          `  sleep 6; npx keyledger provider show ${killed.name}`,
        ]
      : []),
    '  # 7. signing service: claims queued, signed in the HSM into a JWT, verified against the ledger and the CAs',
    '  REQ=$(npx keyledger signing request --claim sub=alice --claim role=reader --audience demo)',
    '  npx keyledger signing status "$REQ" --wait',
    '  TOKEN=$(npx keyledger signing token "$REQ")',
    '  npx keyledger token verify "$TOKEN"',
    '  # 8. revoke the signing key: the service rotates at once, the old token is rejected and says why',
    '  npx keyledger signing revoke "$(npx keyledger signing keys --active)" --reason keyCompromise',
    '  npx keyledger token verify "$TOKEN"; echo "exit code $?"',
    '  npx keyledger token verify "$(npx keyledger signing request --claim sub=bob --wait)"',
    ...(spare
      ? [
          `  # 9. device key shards: provision ${spare.deviceId} (its K_dev wrapped to its own token, epoch 1 on the ledger), it signs, anyone verifies`,
          `  npx keyledger device key --device ${spare.dir} --request | npx keyledger shards provision-batch --file -`,
          `  SIG=$(npx keyledger device sign --device ${spare.dir} --message "firmware 4.2.1")`,
          '  echo "$SIG" | npx keyledger device verify --signature - --message "firmware 4.2.1"',
          `  # 10. rotate: epoch 2 supersedes epoch 1, which the device then refuses; the old signature stays valid for when it was made`,
          `  npx keyledger shards rotate ${spare.deviceId}`,
          `  npx keyledger device sign --device ${spare.dir} --message "firmware 4.2.2" --epoch 1; echo "exit code $?"`,
          '  echo "$SIG" | npx keyledger device verify --signature - --message "firmware 4.2.1"',
          `  npx keyledger shards collect ${spare.deviceId} --retention 0s`,
          `  npx keyledger shards device ${spare.deviceId}`,
        ]
      : []),
    ...(custody && paused
      ? [
          `  # 11. threshold custody: security modules sign together (FROST, ${custody.keyId} is 3-of-5); plain Ed25519 verifies it`,
          `  SIG=$(npx keyledger threshold sign ${custody.keyId} --message "release 7.0")`,
          `  npx keyledger threshold verify ${custody.keyId} --message "release 7.0" --signature "$SIG"`,
          `  # 12. stop module ${paused.name} (SIGSTOP): the others still sign; it is reported late on the ledger`,
          `  kill -STOP $(cat ${paused.pidFile})`,
          `  SIG=$(npx keyledger threshold sign ${custody.keyId} --message "release 7.0.1")`,
          `  npx keyledger threshold verify ${custody.keyId} --message "release 7.0.1" --signature "$SIG"`,
          `  kill -CONT $(cat ${paused.pidFile})`,
          `  # 13. ${custody.cheater} sends a bad signature share: the coordinator names it on the ledger and its trust drops`,
          `  npx keyledger threshold misbehave ${custody.cheater} bad-signature-share`,
          `  SIG=$(npx keyledger threshold sign ${custody.keyId} --message "release 7.0.2")`,
          `  npx keyledger threshold verify ${custody.keyId} --message "release 7.0.2" --signature "$SIG"`,
          `  npx keyledger threshold module ${custody.cheater}`,
          `  npx keyledger threshold misbehave ${custody.cheater} none`,
          `  # 14. refresh: new shares in every module, the same public key; old shares deleted once all acknowledged`,
          `  npx keyledger threshold refresh ${custody.keyId}`,
          `  SIG=$(npx keyledger threshold sign ${custody.keyId} --message "release 7.1")`,
          `  npx keyledger threshold verify ${custody.keyId} --message "release 7.1" --signature "$SIG"`,
        ]
      : []),
    '',
    'The same with curl:',
    `  export KL=${stack.apiUrl} ADMIN=${token('admin')} V2=${token('validator2')} FE1=${token('frontend1')}`,
    `  curl -s -X PUT "$KL/v1/queues/orders/policy?wait=committed" ${as('ADMIN')} ${json} \\`,
    `       -d '${policyJson}'`,
    `  curl -s $KL/v1/queues/orders/key ${as('ADMIN')}`,
    `  ENV=$(curl -s -X POST $KL/v1/queues/orders/encrypt ${as('FE1')} ${json} \\`,
    `       -d "{\\"plaintext\\":\\"$(printf hello | base64)\\"}" | sed -E 's/.*"envelope":"([^"]+)".*/\\1/')`,
    `  curl -s -X POST $KL/v1/queues/orders/decrypt ${as('FE1')} ${json} -d "{\\"envelope\\":\\"$ENV\\"}"`,
    `  curl -s -X POST "$KL/v1/queues/orders/rotate?wait=committed" ${as('V2')} ${json} -d '{}'`,
    `  curl -s $KL/v1/queues/orders/history ${as('ADMIN')}`,
    `  curl -s -X POST $KL/v1/queues/orders/decrypt ${as('FE1')} ${json} -d "{\\"envelope\\":\\"$ENV\\"}"`,
    `  curl -s -X PUT $KL/v1/queues/orders/policy ${as('ADMIN')} ${json} -d '{"maxMessages":0}'`,
    `  curl -s -X POST $KL/v1/keys/${key}/datakey ${as('ADMIN')} ${json} -d '{"encryptionContext":{"app":"walkthrough"}}'`,
    `  curl -s $KL/v1/providers ${as('ADMIN')}`,
    `  REQ=$(curl -s -X POST $KL/v1/signing/requests ${as('ADMIN')} ${json} -d '{"claims":{"sub":"alice"}}' \\`,
    `       | sed -E 's/.*"id":"([^"]+)".*/\\1/')`,
    `  TOKEN=$(curl -s "$KL/v1/signing/requests/$REQ?waitMs=5000" ${as('ADMIN')} | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
    `  curl -s $KL/.well-known/jwks.json`,
    `  curl -s -X POST $KL/v1/signing/verify ${as('ADMIN')} ${json} -d "{\\"token\\":\\"$TOKEN\\"}"`,
    `  curl -s $KL/v1/shards/devices ${as('ADMIN')}`,
    ...(custody
      ? [
          `  curl -s -X POST $KL/v1/threshold/keys/${custody.keyId}/sign ${as('ADMIN')} ${json} \\`,
          `       -d "{\\"message\\":\\"$(printf 'release 7.2' | base64)\\"}"`,
          `  curl -s $KL/v1/threshold/keys/${custody.keyId} ${as('ADMIN')}`,
          `  curl -s $KL/v1/threshold/modules ${as('ADMIN')}`,
        ]
      : []),
    ...(spare
      ? [
          `  curl -s -X POST $KL/v1/shards/devices/${spare.deviceId}/rotate ${as('ADMIN')} ${json} -d '{}'`,
          `  curl -s $KL/v1/shards/devices/${spare.deviceId} ${as('ADMIN')}`,
        ]
      : []),
  ];
}
