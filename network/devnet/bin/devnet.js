#!/usr/bin/env node
'use strict';
// The `devnet` command as npm links it (node_modules/.bin/devnet, so `npx devnet` works from the repository
// root instead of fetching an unrelated `devnet` package from the registry). This shim is committed because npm
// links workspace bins at `npm ci` time, before anything is built: a bin pointing straight at dist/ does not
// exist yet then, and npm skips it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(entry)) {
  process.stderr.write('devnet: the devnet is not built: run `npm run build` (or npm start) first\n');
  process.exit(1);
}
// dist/cli.js runs itself only as the main module; from here it is required, so run it as its own `main` does.
require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    if (code >= 0) process.exit(code);
  });
