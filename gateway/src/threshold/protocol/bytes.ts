/** Bytes as @noble/curves 2 types them (backed by an ArrayBuffer, never shared). */
export type Bytes = Uint8Array<ArrayBuffer>;

export function fromHex(value: string): Bytes {
  return new Uint8Array(Buffer.from(value, 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** A private copy (the caller may wipe its own buffer). */
export function copyBytes(bytes: Uint8Array): Bytes {
  return new Uint8Array(bytes);
}
