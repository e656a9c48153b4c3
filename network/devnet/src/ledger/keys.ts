/**
 * Key ordering and display helpers.
 *
 * Fabric's state databases (LevelDB) order keys by their UTF-8 bytes. JavaScript compares strings by UTF-16 code
 * units, which differs for characters above U+FFFF (surrogate pairs, 0xD800–0xDFFF) versus U+E000–U+FFFF: in UTF-16 the
 * surrogates sort first, in UTF-8 (= code point order) they sort last. Every ordering in the ledger goes through
 * {@link compareUtf8} so that range scans, rwset sorting and pagination match a real peer.
 */

/** Composite keys start with this character (`\x00`), as created by the shim's createCompositeKey. */
export const COMPOSITE_KEY_NAMESPACE = '\u0000';

/** Maps a UTF-16 code unit ≥ 0xD800 so that surrogates sort after U+E000–U+FFFF (code point order). */
function fixup(codeUnit: number): number {
  return codeUnit >= 0xe000 ? codeUnit - 0x800 : codeUnit + 0x2000;
}

/** Compares two strings by UTF-8 byte order (identical to code point order for well-formed strings). */
export function compareUtf8(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = fixup(x);
        y = fixup(y);
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}

/** Sorts a copy of `values` in UTF-8 order (as Go's sort.Strings does). */
export function sortedUtf8(values: Iterable<string>): string[] {
  return Array.from(values).sort(compareUtf8);
}

/** Renders a key for error messages: printable as is, control characters (e.g. composite-key `\u0000`) escaped. */
export function displayKey(key: string): string {
  // eslint-disable-next-line no-control-regex
  return key.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
