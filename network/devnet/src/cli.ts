#!/usr/bin/env node
/** The `devnet` command (package.json `bin`); the commands live in `cli/`. */
import { main } from './cli/main';

export { main } from './cli/main';
export { parseArgs, UsageError, type ParsedArgs, type CommandSpec, type FlagKind } from './cli/args';

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    if (code < 0) return;
    // exit once what was written has reached the pipes: Node writes pipes asynchronously, process.exit() would cut it
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  });
}
