import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { ApiTokenStore } from '../api';
import { readProfile } from '../client';

/** How long the tokens `npm start` makes live; a later start makes new ones when they expired. */
export const BOOTSTRAP_TOKEN_TTL_MS = 30 * 86_400_000;

/**
 * One working bearer token per participant for the local stack: the profile's own if the store still accepts
 * it, else a new one. A plaintext token file of an earlier version (`api-tokens.json`) is taken over — its tokens
 * hashed into the store, the file removed — so a restart after an upgrade keeps the tokens users already have.
 */
export function bootstrapTokens(options: {
  readonly store: ApiTokenStore;
  readonly profilePath: string;
  readonly legacyPath: string;
  readonly names: readonly string[];
}): Record<string, string> {
  const { store, names } = options;
  const tokens: Record<string, string> = { ...(readProfile(options.profilePath)?.tokens ?? {}) };
  if (existsSync(options.legacyPath)) {
    const legacy = JSON.parse(readFileSync(options.legacyPath, 'utf8')) as Record<string, string>;
    for (const name of names) {
      const token = legacy[name];
      if (typeof token === 'string' && tokens[name] === undefined) {
        store.adopt(token, {
          identity: name,
          label: 'taken over from api-tokens.json',
          createdBy: 'bootstrap',
          expiresAt: Date.now() + BOOTSTRAP_TOKEN_TTL_MS,
        });
        tokens[name] = token;
      }
    }
    rmSync(options.legacyPath);
  }
  for (const name of names) {
    const current = tokens[name];
    if (current === undefined || store.authenticate(current)?.identity !== name) {
      tokens[name] = store.issue({
        identity: name,
        label: 'npm start',
        ttlMs: BOOTSTRAP_TOKEN_TTL_MS,
        createdBy: 'bootstrap',
      }).token;
    }
  }
  return Object.fromEntries(names.map((name) => [name, tokens[name] as string]));
}
