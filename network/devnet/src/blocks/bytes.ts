/**
 * Concatenates byte arrays without copying each into an intermediate Buffer first. An endorsement signs
 * `proposal response payload ‖ endorser` (protoutil / endorsement plugin), and the committer verifies the same
 * concatenation.
 */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength)));
}
