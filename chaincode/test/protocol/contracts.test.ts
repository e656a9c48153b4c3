import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import 'reflect-metadata';
import { contracts } from '../../src';
import { CONTRACTS, type ContractProtocol } from '../../src/protocol';

interface TransactionMetadata {
  readonly name: string;
  readonly tag: readonly string[];
}

function transactionsOf(contract: new () => object): TransactionMetadata[] {
  return (Reflect.getMetadata('fabric:transactions', contract.prototype) ?? []) as TransactionMetadata[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('the contract protocol matches the contracts', () => {
  const byName = new Map<string, ContractProtocol>(CONTRACTS.map((protocol) => [protocol.name, protocol]));

  it('has one entry per contract class, under the name the class registers', () => {
    const names = contracts.map((Contract) => (new Contract() as { getName(): string }).getName());
    expect(names.sort()).toEqual([...byName.keys()].sort());
  });

  it.each(
    contracts.map((Contract) => [(new Contract() as { getName(): string }).getName(), Contract] as const),
  )(
    '%s: submit and evaluate functions are exactly the @Transaction() and @Transaction(false) methods',
    (name, Contract) => {
      const protocol = byName.get(name) as ContractProtocol;
      const transactions = transactionsOf(Contract);
      const submit = transactions.filter((tx) => tx.tag.includes('SUBMIT')).map((tx) => tx.name);
      const evaluate = transactions.filter((tx) => tx.tag.includes('EVALUATE')).map((tx) => tx.name);
      expect(submit.sort()).toEqual([...protocol.submit].sort());
      expect(evaluate.sort()).toEqual([...protocol.evaluate].sort());
    },
  );

  it('lists every event the chaincode emits, and only those', () => {
    const emitted = new Set<string>();
    for (const file of sourceFiles(join(__dirname, '../../src/contracts'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/emitEvent\(\s*ctx,\s*'([A-Za-z]+)'/g)) {
        emitted.add(match[1] as string);
      }
    }
    const listed = CONTRACTS.flatMap((protocol) => [...protocol.events]);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...emitted].sort()).toEqual([...listed].sort());
  });
});
