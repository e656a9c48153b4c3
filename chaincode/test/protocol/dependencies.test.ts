import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PROTOCOL_DIR = join(__dirname, '../../src/protocol');

/** Every module specifier a file imports or re-exports from, with whether it is type-only. */
function specifiers(source: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gms)) {
    found.push({ specifier: match[3] as string, typeOnly: match[2] !== undefined });
  }
  for (const match of source.matchAll(/^\s*import\s+'([^']+)'/gm)) {
    found.push({ specifier: match[1] as string, typeOnly: false });
  }
  return found;
}

describe('the protocol module', () => {
  it.each(readdirSync(PROTOCOL_DIR).filter((name) => name.endsWith('.ts')))(
    '%s loads nothing but protocol files and node:crypto',
    (name) => {
      const imports = specifiers(readFileSync(join(PROTOCOL_DIR, name), 'utf8'));
      const runtime = imports.filter(({ typeOnly }) => !typeOnly).map(({ specifier }) => specifier);
      expect(
        runtime.filter((specifier) => !/^\.\/[A-Za-z]+$/.test(specifier) && specifier !== 'node:crypto'),
      ).toEqual([]);
    },
  );

  it('finds the imports it checks', () => {
    expect(
      specifiers("import { a } from './x';\nexport {\n  b,\n} from 'zod';\nimport type { C } from 'y';"),
    ).toEqual([
      { specifier: './x', typeOnly: false },
      { specifier: 'zod', typeOnly: false },
      { specifier: 'y', typeOnly: true },
    ]);
  });
});
