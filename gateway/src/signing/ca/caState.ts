import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../files';
import { CaStateError } from './errors';
import { REVOCATION_REASON_NAMES } from './revocationReason';

export const CA_STATE_FILE = 'state.json';

const issuedSchema = z.strictObject({
  serial: z.string(),
  kid: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  issuedAt: z.string(),
  certificatePem: z.string(),
});
const revokedSchema = z.strictObject({
  serial: z.string(),
  reason: z.enum(REVOCATION_REASON_NAMES),
  revokedAt: z.string(),
  /** Absent in state written before invalidity dates were recorded, and when the revocation gave none. */
  invalidityDate: z.string().optional(),
});
const stateSchema = z.strictObject({
  version: z.literal(1),
  name: z.string(),
  /** The number of the newest CRL this CA has signed or may have signed (a crash may lose the file, not the number). */
  crlNumber: z.number().int().nonnegative(),
  issued: z.array(issuedSchema),
  revoked: z.array(revokedSchema),
});

export type IssuedRecord = z.infer<typeof issuedSchema>;
export type RevokedRecord = z.infer<typeof revokedSchema>;
export type CaStateData = z.infer<typeof stateSchema>;

/**
 * A CA's durable state in `<dataDir>/state.json`: what it issued, what it revoked and its CRL number. Only
 * certificates and serials, never key material (the key is in the token). Every change is one atomic, fsynced
 * replacement of the file, so a kill -9 leaves the old state or the new one. Kept whole in memory and rewritten
 * whole: a local CA issuing signing-key certificates holds thousands of records, not millions.
 */
export class CaStateStore {
  readonly path: string;
  #data: CaStateData;

  private constructor(path: string, data: CaStateData) {
    this.path = path;
    this.#data = data;
  }

  static open(dataDir: string, name: string): CaStateStore {
    const path = join(dataDir, CA_STATE_FILE);
    if (!existsSync(path)) {
      const store = new CaStateStore(path, { version: 1, name, crlNumber: 0, issued: [], revoked: [] });
      store.#write();
      return store;
    }
    let parsed: CaStateData;
    try {
      parsed = stateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    } catch (error) {
      throw new CaStateError(`${path} is not a CA state file`, error);
    }
    if (parsed.name !== name) {
      throw new CaStateError(`${path} belongs to CA ${parsed.name}, not ${name}`);
    }
    return new CaStateStore(path, parsed);
  }

  get data(): Readonly<CaStateData> {
    return this.#data;
  }

  issued(serial: string): IssuedRecord | undefined {
    return this.#data.issued.find((record) => record.serial === serial);
  }

  revoked(serial: string): RevokedRecord | undefined {
    return this.#data.revoked.find((record) => record.serial === serial);
  }

  /** Applies `change` to a copy and makes it durable before the CA answers anyone. */
  update(change: (draft: CaStateData) => void): Readonly<CaStateData> {
    const draft = structuredClone(this.#data);
    change(draft);
    const previous = this.#data;
    this.#data = draft;
    try {
      this.#write();
    } catch (error) {
      this.#data = previous;
      throw error;
    }
    return draft;
  }

  #write(): void {
    writeFileAtomic(this.path, `${JSON.stringify(this.#data, null, 2)}\n`);
  }
}
