import { randomBytes } from 'node:crypto';
import {
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_OVERHEAD,
  envelopeAad,
  envelopeParts,
  envelopeVersion,
  writeEnvelopeHeader,
} from '../../src/rotation/envelope';
import { EnvelopeError } from '../../src/rotation/errors';

describe('envelope format', () => {
  it('lays out magic, format, big-endian u32 version and IV before the ciphertext and tag', () => {
    const envelope = Buffer.alloc(ENVELOPE_OVERHEAD + 5);
    writeEnvelopeHeader(envelope, 0x01020304);
    randomBytes(12).copy(envelope, 7);
    expect(envelope.subarray(0, 7).toString('hex')).toBe('4b4c0101020304');
    expect(ENVELOPE_HEADER_BYTES).toBe(19);
    expect(ENVELOPE_OVERHEAD).toBe(35);
    expect(envelopeVersion(envelope)).toBe(0x01020304);
    const parts = envelopeParts(envelope);
    expect(parts.iv).toEqual(envelope.subarray(7, 19));
    expect(parts.ciphertext.length).toBe(5);
    expect(parts.tag.length).toBe(16);
  });

  it('reads the full unsigned 32-bit version range', () => {
    const envelope = Buffer.alloc(ENVELOPE_OVERHEAD);
    writeEnvelopeHeader(envelope, 0xffffffff);
    expect(envelopeVersion(envelope)).toBe(0xffffffff);
    expect(envelopeVersion(new Uint8Array(envelope))).toBe(0xffffffff);
  });

  it('refuses short, foreign, unknown-format and version-0 envelopes without quoting them', () => {
    const good = Buffer.alloc(ENVELOPE_OVERHEAD);
    writeEnvelopeHeader(good, 7);
    expect(() => envelopeVersion(good.subarray(0, ENVELOPE_OVERHEAD - 1))).toThrow(EnvelopeError);
    expect(() => envelopeVersion(Buffer.concat([Buffer.from('XX'), good.subarray(2)]))).toThrow(/bad magic/);
    const otherFormat = Buffer.from(good);
    otherFormat[2] = 2;
    expect(() => envelopeVersion(otherFormat)).toThrow(/unsupported envelope format 2/);
    const zero = Buffer.from(good);
    zero.writeUInt32BE(0, 3);
    expect(() => envelopeVersion(zero)).toThrow(/version 0/);
  });

  it('binds queue and version in the AAD with a separator that no id can contain', () => {
    expect(envelopeAad('orders', 3).toString('hex')).toBe(Buffer.from('orders\u00003').toString('hex'));
    expect(envelopeAad('a1', 2)).not.toEqual(envelopeAad('a', 12));
  });
});
