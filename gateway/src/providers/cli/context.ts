import { UsageError } from '../../command';
import type { EncryptionContext } from '../encryptionContext';

export const CONTEXT_OPTION = {
  context: {
    type: 'string',
    multiple: true,
    value: 'KEY=VALUE',
    description: 'an encryption-context pair (repeatable); decrypt needs the very same pairs',
  },
} as const;

/** `--context tenant=a --context purpose=invoice` → `{ tenant: 'a', purpose: 'invoice' }`. */
export function parseContextOptions(values: readonly string[] | undefined): EncryptionContext {
  const context: Record<string, string> = {};
  for (const pair of values ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new UsageError({ message: `--context ${pair}: expected KEY=VALUE` });
    }
    const key = pair.slice(0, at);
    if (key in context) {
      throw new UsageError({ message: `--context ${key} is given twice` });
    }
    context[key] = pair.slice(at + 1);
  }
  return context;
}
