import { compareUtf8 } from '../../src/ledger/keys';
import { SortedKeySet } from '../../src/ledger/sortedkeys';

function byBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

describe('compareUtf8', () => {
  it('orders U+FF5E before U+1F600 (UTF-8), unlike JS string order', () => {
    const a = '\uFF5E';
    const b = '\u{1F600}';
    expect(a < b).toBe(false); // UTF-16 code units: 0xFF5E > 0xD83D
    expect(compareUtf8(a, b)).toBe(-1);
    expect(compareUtf8(b, a)).toBe(1);
  });

  it('agrees with byte comparison on mixed strings', () => {
    const samples = [
      '',
      'a',
      'ab',
      'b',
      '\u0000',
      '\u0000a\u0000',
      '\u007f',
      '\u0080',
      '\u07ff',
      '\u0800',
      '\uD7FF',
      '\uE000',
      '\uFFFF',
      '\u{10000}',
      '\u{1F600}',
      '\u{10FFFF}',
      'a\u{1F600}',
      'a\uFF5E',
      'Z',
      'z',
    ];
    for (const x of samples) {
      for (const y of samples) {
        expect(Math.sign(compareUtf8(x, y))).toBe(Math.sign(byBytes(x, y)));
      }
    }
  });
});

describe('SortedKeySet', () => {
  it('keeps UTF-8 order through inserts, deletes and chunk splits', () => {
    const set = new SortedKeySet();
    const reference = new Set<string>();
    // Deterministic pseudo-random keys spanning BMP and astral characters.
    let seed = 42;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = ['a', 'b', 'z', '\u0000', '\uFF5E', '\u{1F600}', '\u00e9', '1'];
    for (let i = 0; i < 5000; i++) {
      let key = '';
      const len = 1 + (rand() % 6);
      for (let j = 0; j < len; j++) key += alphabet[rand() % alphabet.length];
      if (rand() % 4 === 0 && reference.size > 0) {
        const victim = [...reference][rand() % reference.size] as string;
        expect(set.delete(victim)).toBe(true);
        reference.delete(victim);
      } else {
        expect(set.add(key)).toBe(!reference.has(key));
        reference.add(key);
      }
    }
    const expected = [...reference].sort(byBytes);
    expect([...set.range('', undefined)]).toEqual(expected);
    expect(set.size).toBe(reference.size);
    const lo = expected[Math.floor(expected.length / 3)] as string;
    const hi = expected[Math.floor((2 * expected.length) / 3)] as string;
    expect([...set.range(lo, hi)]).toEqual(expected.filter((k) => byBytes(k, lo) >= 0 && byBytes(k, hi) < 0));
    expect([...set.range(lo, hi, true)]).toEqual(
      expected.filter((k) => byBytes(k, lo) >= 0 && byBytes(k, hi) <= 0),
    );
    expect(set.delete('not-there')).toBe(false);
  });
});
