import { startLocalStack, type LocalStack, type LocalStackOptions } from '../stack';

/** What `keyledger start` prints once everything runs: where things are, and a walk-through with curl. */
export function describeStack(stack: LocalStack): string {
  const token = (name: string): string => stack.participants.find((p) => p.name === name)?.apiToken ?? '';
  const lines = [
    '',
    'KeyLedger is running.',
    `  REST API        ${stack.apiUrl}   (OpenAPI: ${stack.apiUrl}/v1/openapi.json, health: ${stack.apiUrl}/health, metrics: ${stack.apiUrl}/metrics)`,
    `  Fabric gateway  ${stack.ledgerEndpoint}   (connection file for any Fabric client: ${stack.connectionFile})`,
    `  Agent logs      ${stack.logFile}`,
    '',
    '  Participants and their API bearer tokens (also in <data>/api-tokens.json):',
    ...stack.participants.map(
      (p) => `    ${p.name.padEnd(11)} ${p.role.padEnd(9)} ${p.mspId.padEnd(8)} ${p.apiToken}`,
    ),
    '',
    'Walk-through (copy and paste):',
    `  export KL=${stack.apiUrl} ADMIN=${token('admin')} V2=${token('validator2')} FE1=${token('frontend1')}`,
    '  # 1. a queue with a key policy: the validators propose its first key, a quorum approves, front-ends load it',
    `  curl -s -X PUT $KL/v1/queues/orders/policy -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' \\`,
    `       -d '{"rotationIntervalMs":3600000,"maxMessages":100000,"algorithm":"AES-256-GCM"}'`,
    '  curl -s $KL/v1/queues/orders/key -H "authorization: Bearer $ADMIN"',
    '  # 2. encrypt and decrypt through a front-end node',
    `  ENV=$(curl -s -X POST $KL/v1/queues/orders/encrypt -H "authorization: Bearer $FE1" -H 'content-type: application/json' \\`,
    `       -d "{\\"plaintext\\":\\"$(printf hello | base64)\\"}" | sed -E 's/.*"envelope":"([^"]+)".*/\\1/')`,
    `  curl -s -X POST $KL/v1/queues/orders/decrypt -H "authorization: Bearer $FE1" -H 'content-type: application/json' -d "{\\"envelope\\":\\"$ENV\\"}"`,
    '  # 3. rotate now: validator2 proposes, the others approve, every front-end moves to the new version',
    `  curl -s -X POST $KL/v1/queues/orders/rotate -H "authorization: Bearer $V2" -H 'content-type: application/json' -d '{}'`,
    '  curl -s $KL/v1/queues/orders/history -H "authorization: Bearer $ADMIN"',
    '  # 4. the old envelope still decrypts (retention), and bad input gets a clear problem+json',
    `  curl -s -X POST $KL/v1/queues/orders/decrypt -H "authorization: Bearer $FE1" -H 'content-type: application/json' -d "{\\"envelope\\":\\"$ENV\\"}"`,
    `  curl -s -X PUT $KL/v1/queues/orders/policy -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"maxMessages":0}'`,
    '',
    'Ctrl-C stops everything; the next `npm start` reuses the data folder.',
  ];
  return lines.join('\n');
}

export async function runStart(options: LocalStackOptions): Promise<void> {
  const started = Date.now();
  const stack = await startLocalStack({ ...options, progress: (line) => console.log(line) });
  console.log(describeStack(stack));
  console.log(`\n(started in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  await new Promise<void>((resolvePromise) => {
    let stopping = false;
    const onSignal = (signal: string): void => {
      if (stopping) {
        return;
      }
      stopping = true;
      console.log(`\n${signal}: stopping agents, API and ledger…`);
      void stack.stop().then(() => {
        console.log('stopped.');
        resolvePromise();
      });
    };
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
  });
}
