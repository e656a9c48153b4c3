import { Contract } from 'fabric-contract-api';
import { canonicalJson } from '../protocol/canonical';
import { KeyLedgerContext } from './context';
import { ValidationError } from '../protocol/errors';

/**
 * Base for every KeyLedger contract: our context type and a clear error for unknown functions.
 *
 * Transaction functions must be decorated with `@Transaction()` (or `@Transaction(false)` for queries) and
 * must import `KeyLedgerContext` as a value, not `import type`: fabric-contract-api recognises the context
 * parameter by its emitted design type, and a type-only import would emit `Object` there.
 */
export abstract class KeyLedgerContract extends Contract {
  override createContext(): KeyLedgerContext {
    return new KeyLedgerContext();
  }

  override async unknownTransaction(ctx: KeyLedgerContext): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    const name = fcn.slice(fcn.indexOf(':') + 1);
    throw new ValidationError(`function ${name} does not exist in contract ${this.getName()}`);
  }
}

/** Every transaction returns canonical JSON text. */
export function result(value: unknown): string {
  return canonicalJson(value);
}
