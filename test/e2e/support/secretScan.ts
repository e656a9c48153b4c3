import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every way a secret could be written down: raw bytes, hex, base64, base64url. */
export function encodings(secret: Buffer): Buffer[] {
  return [
    secret,
    Buffer.from(secret.toString('hex')),
    Buffer.from(secret.toString('base64')),
    Buffer.from(secret.toString('base64url')),
  ];
}

/** The files (and log lines) holding any encoding of any secret: `what in where`, empty when none does. */
export function secretsFound(
  secrets: readonly { what: string; bytes: Buffer }[],
  files: readonly string[],
  lines: readonly string[] = [],
): string[] {
  const found: string[] = [];
  const haystacks = [
    ...files.map((file) => ({ where: file, bytes: readFileSync(file) })),
    ...lines.map((line, i) => ({ where: `log line ${i}`, bytes: Buffer.from(line) })),
  ];
  for (const secret of secrets) {
    for (const encoded of encodings(secret.bytes)) {
      for (const haystack of haystacks) {
        if (haystack.bytes.includes(encoded)) {
          found.push(`${secret.what} in ${haystack.where}`);
        }
      }
    }
  }
  return found;
}
