#!/usr/bin/env node
'use strict';
// The `keyledger` command as npm links it (node_modules/.bin/keyledger, so `npx keyledger` works from the
// repository root). This shim is committed because npm links workspace bins at `npm ci` time, before anything
// is built: a bin pointing straight at dist/ does not exist yet then, and npm skips it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'cli', 'keyledger.js');
if (!existsSync(entry)) {
  process.stderr.write('keyledger: the gateway is not built: run `npm run build` (or npm start) first\n');
  process.exit(1);
}
require(entry);
