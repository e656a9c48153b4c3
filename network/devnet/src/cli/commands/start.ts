import * as path from 'node:path';
import { DEFAULT_OPTIONS, dataPaths, type DevnetOptions } from '../../network/config';
import { startDevnet } from '../../network/devnet';
import { describeOwner, runtimeState } from '../../process';
import { intFlag, type CommandSpec, type ParsedArgs } from '../args';
import { dataDir, type CliIo } from '../context';

export const START: CommandSpec = {
  flags: {
    data: 'value',
    orgs: 'value',
    port: 'value',
    'batch-size': 'value',
    'batch-timeout': 'value',
    'fabric-batching': 'boolean',
    plaintext: 'boolean',
  },
};

/** `devnet start`: runs in the foreground, printing progress, until SIGINT or SIGTERM. */
export async function start(args: ParsedArgs, io: CliIo): Promise<void> {
  const options: Partial<DevnetOptions> = {
    dataDir: dataDir(args, io),
    orgs: intFlag(args, 'orgs') ?? DEFAULT_OPTIONS.orgs,
    port: intFlag(args, 'port') ?? DEFAULT_OPTIONS.port,
    batchSize: intFlag(args, 'batch-size') ?? DEFAULT_OPTIONS.batchSize,
    batchTimeoutMs: intFlag(args, 'batch-timeout') ?? DEFAULT_OPTIONS.batchTimeoutMs,
    cutWhenIdle: !args.flags.has('fabric-batching'),
    plaintext: args.flags.has('plaintext'),
  };
  const found = await runtimeState(dataPaths(options.dataDir as string).runtime);
  if (found.state === 'running') {
    throw new Error(
      `${describeOwner(found.runtime.owner, found.runtime.pid)} already runs a devnet on ${found.runtime.endpoint} with data ${options.dataDir}`,
    );
  }
  const began = Date.now();
  let stepStart = began;
  let step = 0;
  let lineOpen = false;
  const out = io.stdout;
  const devnet = await startDevnet({
    ...options,
    progress: (message) => {
      const now = Date.now();
      if (step > 0) out.write(`${lineOpen ? '' : '    '} done (${now - stepStart} ms)\n`);
      step++;
      stepStart = now;
      lineOpen = false;
      if (message.startsWith('ready')) {
        out.write(`✔ devnet ${message} in ${now - began} ms\n`);
        step = 0;
      } else {
        out.write(`[${step}] ${message}…`);
        lineOpen = true;
      }
    },
    log: (line) => {
      out.write(`${lineOpen ? '\n' : ''}    ${line}\n`);
      lineOpen = false;
    },
  });
  out.write(
    `  connection file: ${path.join(devnet.dataDir, 'connection.json')}\n  data: ${devnet.dataDir}\n  stop with Ctrl-C or \`devnet stop --data ${devnet.dataDir}\`\n`,
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    out.write(`\n${signal}: stopping devnet…\n`);
    devnet.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        io.stderr.write(`stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
