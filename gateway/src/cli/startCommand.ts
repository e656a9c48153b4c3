import { startLocalStack, type LocalStack, type LocalStackOptions } from '../stack';
import { walkThrough } from './walkThrough';

/** What `keyledger start` prints once everything runs: where things are, and a walk-through. */
export function describeStack(stack: LocalStack): string {
  const lines = [
    '',
    'KeyLedger is running.',
    `  REST API        ${stack.apiUrl}   (OpenAPI: ${stack.apiUrl}/v1/openapi.json, health: ${stack.apiUrl}/health, metrics: ${stack.apiUrl}/metrics)`,
    `  Fabric gateway  ${stack.ledgerEndpoint}   (connection file for any Fabric client: ${stack.connectionFile})`,
    `  Agent logs      ${stack.logFile}`,
    '',
    `  Key providers (mutual TLS; key ${stack.demoKeyId} replicated to each):`,
    ...stack.providers.map(
      (p) =>
        `    ${p.name.padEnd(11)} ${p.region.padEnd(9)} ${p.url}   pid ${p.pid} (${p.pidFile}), log ${p.logFile}`,
    ),
    '',
    `  Signing service ${stack.signingServiceId} (JWKS: ${stack.apiUrl}/.well-known/jwks.json); its CAs:`,
    ...stack.cas.map(
      (ca) => `    ${ca.name.padEnd(11)} ${ca.url}   pid ${ca.pid} (${ca.pidFile}), log ${ca.logFile}`,
    ),
    '',
    '  Devices (own SoftHSM tokens and ledger identities; `keyledger device … --device DIR`):',
    ...stack.devices.map((d) => `    ${d.deviceId.padEnd(11)} ${d.dir}`),
    ...(stack.spareDevice
      ? [
          `    ${stack.spareDevice.deviceId.padEnd(11)} ${stack.spareDevice.dir}   (not provisioned: the walk-through does)`,
        ]
      : []),
    ...(stack.threshold
      ? [
          '',
          `  Security modules (own SoftHSM tokens, mutual TLS; key ${stack.threshold.keyId} 3-of-5, group public key ${stack.threshold.groupPublicKey}):`,
          ...stack.threshold.modules.map(
            (m) => `    ${m.name.padEnd(11)} ${m.url}   pid ${m.pid} (${m.pidFile}), log ${m.logFile}`,
          ),
        ]
      : []),
    '',
    `  Participants and their API bearer tokens (also in ${stack.profilePath}, the keyledger command's profile):`,
    ...stack.participants.map(
      (p) => `    ${p.name.padEnd(11)} ${p.role.padEnd(9)} ${p.mspId.padEnd(8)} ${p.apiToken}`,
    ),
    '',
    ...walkThrough(stack),
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
