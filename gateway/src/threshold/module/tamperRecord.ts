import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../files';

/** What a module remembers of its last start (non-secret), to notice its token being swapped. */
export interface AttestedState {
  readonly moduleId: string;
  readonly tokenSerial: string;
  readonly codeDigest: string;
  readonly startedAt: number;
}

const FILE = 'attested.json';

export function readAttestedState(dataDir: string): AttestedState | undefined {
  const path = join(dataDir, FILE);
  if (!existsSync(path)) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<AttestedState>;
    return typeof parsed.tokenSerial === 'string' && typeof parsed.codeDigest === 'string'
      ? (parsed as AttestedState)
      : undefined;
  } catch {
    return undefined;
  }
}

export function writeAttestedState(dataDir: string, state: AttestedState): void {
  writeFileAtomic(join(dataDir, FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** The evidence of a token swap: SHA-256 (hex) of the old serial followed by the new one. */
export function tokenSwapEvidence(oldSerial: string, newSerial: string): string {
  return createHash('sha256').update(oldSerial, 'utf8').update(newSerial, 'utf8').digest('hex');
}
