// A CA as a process of its own, run from TypeScript source (see children.ts): what `keyledger ca start` runs.
import { runCaStart, type CaStartOptions } from '../../../../src/signing/ca/caStart';

const options = JSON.parse(process.argv[2] ?? '{}') as CaStartOptions;
runCaStart(options, (line) => process.stdout.write(`${line}\n`)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
