import { resolve } from 'node:path';
import { CredentialsError } from './errors';
import { DEFAULT_PROFILE_PATH, readProfile, type Profile } from './profile';

/** What the command line says about where and as whom to call the API (all optional). */
export interface CredentialFlags {
  readonly url?: string;
  readonly token?: string;
  /** A participant of the profile whose token to use. */
  readonly as?: string;
  readonly profile?: string;
}

/** Where requests go and the token they carry. */
export interface Credentials {
  readonly url: string;
  readonly token: string;
  /** Where the token came from, for messages: `--token`, `KEYLEDGER_TOKEN`, `profile … (admin)`. */
  readonly tokenSource: string;
  /** The profile participant whose token this is, when it came from a profile. */
  readonly identity?: string;
  /** The profile that was read, if any, and the participants it has tokens for (for hints, never the tokens). */
  readonly profilePath?: string;
  readonly profileNames: readonly string[];
}

type Environment = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** RFC 6750 b64token: anything else would be refused by the server, or worse, echoed by a header error. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function checkedToken(token: string, source: string): string {
  if (!B64TOKEN.test(token)) {
    // Never the token itself in the message: it may be a real one with a stray newline.
    throw new CredentialsError({
      message: `the token from ${source} is not a bearer token (RFC 6750 characters only)`,
    });
  }
  return token;
}

function checkedUrl(url: string, source: string): void {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new CredentialsError({
      message: `${source} must be an http:// or https:// URL such as http://127.0.0.1:8080, got '${url}'`,
      usage: true,
    });
  }
}

/**
 * Resolves URL and token: flags (`--url`, `--token`, `--as NAME`), else the environment (`KEYLEDGER_URL`,
 * `KEYLEDGER_TOKEN`, `KEYLEDGER_AS`), else the profile file (`--profile`, `KEYLEDGER_PROFILE`, default
 * `.keyledger/profile.json`, which `npm start` writes). The profile is read only when something is still
 * missing, so `--url` with `--token` works on a machine without one.
 */
export function resolveCredentials(flags: CredentialFlags, env: Environment, cwd: string): Credentials {
  if (flags.token !== undefined && flags.as !== undefined) {
    throw new CredentialsError({
      message: '--token and --as both name a credential: give one of them',
      usage: true,
    });
  }
  const envToken = nonEmpty(env['KEYLEDGER_TOKEN']);
  const envAs = nonEmpty(env['KEYLEDGER_AS']);
  const flagged = flags.token !== undefined || flags.as !== undefined;
  if (!flagged && envToken !== undefined && envAs !== undefined) {
    throw new CredentialsError({
      message: 'KEYLEDGER_TOKEN and KEYLEDGER_AS are both set: unset one (or pass --token or --as)',
      usage: true,
    });
  }
  const url = flags.url ?? nonEmpty(env['KEYLEDGER_URL']);
  // A named participant (flag, or environment when no flag names a credential) always needs the profile.
  const as = flags.as ?? (flagged ? undefined : envAs);
  const token = flags.token ?? (flagged ? undefined : envToken);
  const tokenSource = flags.token !== undefined ? '--token' : 'KEYLEDGER_TOKEN';
  if (url !== undefined) {
    checkedUrl(url, flags.url !== undefined ? '--url' : 'KEYLEDGER_URL');
  }
  if (url !== undefined && token !== undefined) {
    return { url, token: checkedToken(token, tokenSource), tokenSource, profileNames: [] };
  }
  const explicitPath = flags.profile ?? nonEmpty(env['KEYLEDGER_PROFILE']);
  const profilePath = resolve(cwd, explicitPath ?? DEFAULT_PROFILE_PATH);
  const profile: Profile | undefined = readProfile(profilePath);
  if (profile === undefined) {
    const missing = [url === undefined ? 'URL' : '', token === undefined ? 'token' : '']
      .filter(Boolean)
      .join(' or ');
    throw new CredentialsError({
      message:
        `no ${missing} given and no KeyLedger profile at ${profilePath}: start the stack (npm start writes the ` +
        'profile), point --profile or KEYLEDGER_PROFILE at one, or give --url and --token (KEYLEDGER_URL, KEYLEDGER_TOKEN)',
    });
  }
  const profileNames = Object.keys(profile.tokens).sort();
  const identity = token === undefined ? (as ?? profile.default) : undefined;
  const chosen = identity === undefined ? token : profile.tokens[identity];
  if (chosen === undefined) {
    throw new CredentialsError({
      message: `profile ${profilePath} has no token for ${identity ?? '?'} (it has ${profileNames.join(', ') || 'none'})`,
    });
  }
  const source = identity === undefined ? tokenSource : `profile ${profilePath} (${identity})`;
  return {
    url: url ?? profile.url,
    token: checkedToken(chosen, source),
    tokenSource: source,
    ...(identity === undefined ? {} : { identity }),
    profilePath,
    profileNames,
  };
}
