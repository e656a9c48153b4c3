import { defineCommand, integerOption, requiredOption, UsageError } from '../../command';
import { isMisbehaviour } from '../module/faults';
import type { Misbehaviour } from '../module/context';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/;

function parseMisbehave(value: string | undefined, allowed: boolean): Misbehaviour[] {
  if (value === undefined || value === '') {
    return [];
  }
  if (!allowed) {
    throw new UsageError({ message: '--misbehave needs --allow-fault-injection' });
  }
  return value.split(',').map((item) => {
    const name = item.trim();
    if (!isMisbehaviour(name)) {
      throw new UsageError({
        message: `--misbehave ${name}: one of bad-signature-share, bad-secret-share, late, old-epoch-share`,
      });
    }
    return name;
  });
}

export const moduleStart = defineCommand({
  name: 'start',
  summary: 'run a security module: one share per key in its own SoftHSM token, served over mutual TLS',
  description:
    'Makes (or loads) the module identity key and the share-sealing key in its token, registers the module on the ' +
    'ledger as itself with its endpoint, TLS certificate, identity key and share index, attests its software and ' +
    'serves until Ctrl-C. The identity file is the FabricConfig JSON of a member with role module. Prints ' +
    '"module NAME ready on URL".',
  options: {
    name: { type: 'string', value: 'NAME', description: 'the module id on the ledger (required)' },
    index: { type: 'string', value: 'N', description: 'its share index, 1..255 (required)' },
    identity: {
      type: 'string',
      value: 'FILE',
      description: 'FabricConfig JSON of its ledger identity (required)',
    },
    'data-dir': {
      type: 'string',
      value: 'DIR',
      description: 'its token, TLS identity and pid file (default .keyledger/modules/NAME)',
    },
    host: { type: 'string', value: 'HOST', description: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', value: 'PORT', description: 'port (default 0: any free port)' },
    'token-label': {
      type: 'string',
      value: 'LABEL',
      description: 'its SoftHSM token (default module-NAME)',
    },
    'attestation-interval': {
      type: 'string',
      value: 'SECONDS',
      description: 'between software attestations (default 600)',
    },
    'allow-fault-injection': {
      type: 'boolean',
      description: 'accept POST /v1/faults and --misbehave: tests and demonstrations only',
    },
    misbehave: {
      type: 'string',
      value: 'LIST',
      description:
        'misbehaviours from the start, e.g. bad-signature-share,late (needs --allow-fault-injection)',
    },
  },
  api: false,
  async run(context) {
    const o = context.options;
    const name = requiredOption(o.name, '--name');
    const identityFile = requiredOption(o.identity, '--identity');
    const shareIndex = integerOption(requiredOption(o.index, '--index'), '--index', { min: 1, max: 255 });
    if (!NAME.test(name)) {
      throw new UsageError({ message: `--name ${name}: 1-31 characters of A-Z a-z 0-9 . _ -` });
    }
    const allowFaultInjection = o['allow-fault-injection'] ?? false;
    const misbehave = parseMisbehave(o.misbehave, allowFaultInjection);
    const intervalSeconds = integerOption(o['attestation-interval'], '--attestation-interval', {
      min: 1,
      max: 86_400,
    });
    const { runModuleStart } = await import('./moduleStart.js');
    await runModuleStart(
      {
        name,
        shareIndex: shareIndex as number,
        identityFile,
        dataDir: o['data-dir'] ?? `.keyledger/modules/${name}`,
        host: o.host ?? '127.0.0.1',
        port: integerOption(o.port, '--port', { max: 65_535 }) ?? 0,
        tokenLabel: o['token-label'] ?? `module-${name}`.slice(0, 32),
        allowFaultInjection,
        misbehave,
        ...(intervalSeconds === undefined ? {} : { attestationIntervalMs: intervalSeconds * 1000 }),
      },
      (line) => context.io.stdout.write(`${line}\n`),
    );
  },
});
