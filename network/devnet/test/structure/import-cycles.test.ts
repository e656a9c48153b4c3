import * as path from 'node:path';
import { findCycles, folderGraph, importEdges } from './import-graph';

const SRC = path.resolve(__dirname, '..', '..', 'src');

describe("the devnet's source folders", () => {
  it('import one another without a cycle', () => {
    const graph = folderGraph(importEdges(SRC));
    const cycles = findCycles(graph).map((cycle) =>
      cycle
        .slice(1)
        .map((to, i) => {
          const from = cycle[i] as string;
          const example = graph.get(from)?.get(to);
          return `${from} → ${to} (${example?.from ?? '?'} imports ${example?.to ?? '?'})`;
        })
        .join('; '),
    );
    expect(cycles).toEqual([]);
  });

  it('are all seen by the scan (the check would pass vacuously on an empty graph)', () => {
    const graph = folderGraph(importEdges(SRC));
    expect([...graph.keys()].sort()).toEqual(
      expect.arrayContaining([
        '.',
        'blocks',
        'chaincode',
        'endorser',
        'gateway',
        'ledger',
        'orderer',
        'peer',
        'policy',
      ]),
    );
    expect(graph.get('peer')?.has('blocks')).toBe(true);
  });
});

describe('the cycle finder', () => {
  it('reports a cycle through every folder on it, and none in a graph without one', () => {
    const graph = new Map([
      ['a', new Map([['b', {}]])],
      ['b', new Map([['c', {}]])],
      [
        'c',
        new Map([
          ['a', {}],
          ['d', {}],
        ]),
      ],
      ['d', new Map()],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
    graph.get('c')?.delete('a');
    expect(findCycles(graph)).toEqual([]);
  });
});
