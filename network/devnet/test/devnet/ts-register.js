'use strict';
/*
 * Minimal TypeScript loader for running the devnet's sources without a build step:
 *   node -r ./network/devnet/test/devnet/ts-register.js network/devnet/src/cli.ts start …
 * Each .ts file is transpiled on load with typescript.transpileModule (no type checking), as CommonJS.
 */
const fs = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
};

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
