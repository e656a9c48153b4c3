import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsError, resolveCredentials, writeProfile } from '../../src/client';

describe('resolveCredentials', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-credentials-'));
  const profilePath = join(dir, 'profile.json');
  const other = join(dir, 'other.json');
  writeProfile(profilePath, {
    url: 'http://127.0.0.1:8080',
    default: 'admin',
    tokens: { admin: 'kl_admin', frontend1: 'kl_frontend1' },
  });
  writeProfile(other, {
    url: 'http://127.0.0.1:9090',
    default: 'frontend1',
    tokens: { frontend1: 'kl_other' },
  });
  const env = { KEYLEDGER_PROFILE: profilePath };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("uses the profile's URL and its default participant's token", () => {
    expect(resolveCredentials({}, env, dir)).toMatchObject({
      url: 'http://127.0.0.1:8080',
      token: 'kl_admin',
      identity: 'admin',
      profileNames: ['admin', 'frontend1'],
    });
  });

  it('finds .keyledger/profile.json under the working directory by default', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'keyledger-cwd-'));
    writeProfile(join(cwd, '.keyledger', 'profile.json'), {
      url: 'http://127.0.0.1:1234',
      default: 'admin',
      tokens: { admin: 'kl_here' },
    });
    expect(resolveCredentials({}, {}, cwd)).toMatchObject({ url: 'http://127.0.0.1:1234', token: 'kl_here' });
    rmSync(cwd, { recursive: true, force: true });
  });

  it('flags come before the environment, the environment before the profile', () => {
    expect(resolveCredentials({ as: 'frontend1' }, { ...env, KEYLEDGER_AS: 'admin' }, dir).token).toBe(
      'kl_frontend1',
    );
    expect(resolveCredentials({}, { ...env, KEYLEDGER_AS: 'frontend1' }, dir).token).toBe('kl_frontend1');
    expect(resolveCredentials({}, { ...env, KEYLEDGER_TOKEN: 'kl_env' }, dir)).toMatchObject({
      token: 'kl_env',
      url: 'http://127.0.0.1:8080',
      tokenSource: 'KEYLEDGER_TOKEN',
    });
    expect(resolveCredentials({ token: 'kl_flag' }, { ...env, KEYLEDGER_TOKEN: 'kl_env' }, dir).token).toBe(
      'kl_flag',
    );
    expect(resolveCredentials({ as: 'frontend1' }, { ...env, KEYLEDGER_TOKEN: 'kl_env' }, dir).token).toBe(
      'kl_frontend1',
    );
    expect(resolveCredentials({ url: 'http://h:1' }, { ...env, KEYLEDGER_URL: 'http://e:2' }, dir).url).toBe(
      'http://h:1',
    );
    expect(resolveCredentials({}, { ...env, KEYLEDGER_URL: 'http://e:2' }, dir).url).toBe('http://e:2');
    expect(resolveCredentials({ profile: other }, env, dir)).toMatchObject({
      url: 'http://127.0.0.1:9090',
      token: 'kl_other',
    });
  });

  it('needs no profile when URL and token are given', () => {
    expect(
      resolveCredentials({ url: 'http://h:1', token: 'kl_t' }, { KEYLEDGER_PROFILE: join(dir, 'none') }, dir),
    ).toEqual({ url: 'http://h:1', token: 'kl_t', tokenSource: '--token', profileNames: [] });
  });

  it('says what is missing, contradictory or malformed, and never quotes a token', () => {
    const failure = (run: () => unknown): CredentialsError => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(CredentialsError);
        return error as CredentialsError;
      }
      throw new Error('expected a CredentialsError');
    };
    const none = failure(() => resolveCredentials({}, { KEYLEDGER_PROFILE: join(dir, 'none.json') }, dir));
    expect(none.message).toMatch(
      /no URL or token given and no KeyLedger profile at .*none\.json: start the stack/,
    );
    expect(none.usage).toBe(false);
    expect(failure(() => resolveCredentials({ as: 'validator9' }, env, dir)).message).toMatch(
      /has no token for validator9 \(it has admin, frontend1\)/,
    );
    expect(failure(() => resolveCredentials({ token: 'kl_a', as: 'admin' }, env, dir)).usage).toBe(true);
    expect(
      failure(() => resolveCredentials({}, { ...env, KEYLEDGER_TOKEN: 'a', KEYLEDGER_AS: 'b' }, dir)).usage,
    ).toBe(true);
    expect(failure(() => resolveCredentials({ url: 'ftp://h' }, env, dir)).message).toMatch(
      /--url must be an http/,
    );
    const bad = failure(() => resolveCredentials({ token: 'kl_secret\n' }, env, dir));
    expect(bad.message).toMatch(/the token from --token is not a bearer token/);
    expect(bad.message).not.toContain('kl_secret');
  });
});
