/**
 * Overwrites secret buffers with zeros. JavaScript gives no guarantee that no copy survives elsewhere (bigint
 * scalars, JIT temporaries), so this is best effort: it shortens how long the bytes we own stay in memory.
 */
export function wipe(...buffers: Uint8Array[]): void {
  for (const buffer of buffers) buffer.fill(0);
}
