import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../files';

/**
 * Where the CLI finds the API and its credentials: the URL, one bearer token per participant and which one to
 * use by default. `npm start` writes it (mode 0600) into its data folder; it is the user's credential file, like
 * ~/.aws/credentials — the gateway itself keeps only token hashes.
 */
export interface Profile {
  readonly url: string;
  /** The participant whose token is used when none is named. */
  readonly default: string;
  readonly tokens: Readonly<Record<string, string>>;
}

export const DEFAULT_PROFILE_PATH = '.keyledger/profile.json';

const profileSchema = z.strictObject({
  url: z.string().url(),
  default: z.string().min(1),
  tokens: z.record(z.string(), z.string().min(1)),
});

export class ProfileError extends Error {
  constructor(options: Readonly<{ message: string; cause?: unknown }>) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = ProfileError.name;
  }
}

/** The profile at `path`, or undefined when there is none. A file that is there but invalid is an error. */
export function readProfile(path: string): Profile | undefined {
  if (!existsSync(path)) {
    return undefined;
  }
  try {
    return profileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw new ProfileError({ message: `profile ${path} is not a valid KeyLedger profile`, cause: error });
  }
}

/** Writes the profile atomically, readable by its owner only. */
export function writeProfile(path: string, profile: Profile): void {
  writeFileAtomic(path, `${JSON.stringify(profile, null, 2)}\n`);
}
