import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The math layer stays pure: no ledger, no HSM, nothing but the crypto libraries and its own files. */
describe('threshold/math imports', () => {
  const dir = join(__dirname, '../../../src/threshold/math');
  const allowed =
    /^(node:crypto|@noble\/curves\/[a-z0-9/]+\.js|@noble\/hashes\/[a-z0-9/]+\.js|\.\/[A-Za-z]+)$/;

  it.each(readdirSync(dir).filter((f) => f.endsWith('.ts')))(
    '%s imports only node:crypto, @noble and math/',
    (file) => {
      const source = readFileSync(join(dir, file), 'utf8');
      const specifiers = [
        ...source.matchAll(
          /(?:import|export)[^'"]*?from\s+'([^']+)'|import\('([^']+)'\)|require\('([^']+)'\)/g,
        ),
      ].map((m) => m[1] ?? m[2] ?? m[3]);
      for (const specifier of specifiers) expect(specifier).toMatch(allowed);
    },
  );
});
