import {
  DEFAULT_GRACE_MS,
  inJwksAt,
  jwksUntil,
  tokenValidityAt,
  type SigningKeyTimes,
  type TokenValidity,
} from '../../src/protocol/signing';

const NOT_BEFORE = 1_000_000;
const ACTIVATED = 2_000_000;
const RETIRED = 5_000_000;
const REVOKED = 8_000_000;
const COMPROMISED = 4_000_000;
const GRACE = 1_000_000;

const published: SigningKeyTimes = { status: 'published', notBefore: NOT_BEFORE, graceMs: GRACE };
const active: SigningKeyTimes = { ...published, status: 'active', activatedAt: ACTIVATED };
const retired: SigningKeyTimes = { ...active, status: 'retired', retiredAt: RETIRED };

function revoked(from: SigningKeyTimes, reason: string, compromisedAt?: number): SigningKeyTimes {
  return {
    ...from,
    status: 'revoked',
    revokedAt: REVOKED,
    revocationReason: reason as SigningKeyTimes['revocationReason'],
    ...(compromisedAt === undefined ? {} : { compromisedAt }),
  };
}

const ok: TokenValidity = { valid: true };
const no = (reason: string): TokenValidity => ({ valid: false, reason }) as TokenValidity;
/** A verification time after every event of the fixtures (the retired fixture is past its grace by then). */
const LATER = REVOKED + 10;

describe('tokenValidityAt — the key-status part of verifying a token', () => {
  it.each<[string, SigningKeyTimes, number, number, TokenValidity]>([
    // [case, key, iat, now, expected]
    ['iat before notBefore (active)', active, NOT_BEFORE - 1, LATER, no('before-not-before')],
    ['iat at notBefore (active)', active, NOT_BEFORE, LATER, ok],
    ['published key: never signs', published, ACTIVATED, ACTIVATED, no('not-yet-active')],
    ['active key, any iat after notBefore', active, REVOKED * 2, REVOKED * 3, ok],
    ['retired, iat while active, within grace', retired, RETIRED - 1, RETIRED + GRACE - 1, ok],
    ['retired, iat after retirement, within grace', retired, RETIRED + 5, RETIRED + GRACE - 1, ok],
    [
      'retired, grace ended (now = retiredAt + graceMs)',
      retired,
      RETIRED - 1,
      RETIRED + GRACE,
      no('grace-ended'),
    ],
    ['retired, iat before notBefore', retired, NOT_BEFORE - 1, RETIRED, no('before-not-before')],
    ['revoked while published', revoked(published, 'superseded'), ACTIVATED, LATER, no('never-active')],
    [
      'revoked while published, with compromisedAt',
      revoked(published, 'keyCompromise', COMPROMISED),
      ACTIVATED,
      LATER,
      no('never-active'),
    ],
    [
      'keyCompromise + compromisedAt, iat before',
      revoked(active, 'keyCompromise', COMPROMISED),
      COMPROMISED - 1,
      LATER,
      ok,
    ],
    [
      'keyCompromise + compromisedAt, iat at it',
      revoked(active, 'keyCompromise', COMPROMISED),
      COMPROMISED,
      LATER,
      no('signed-after-compromise'),
    ],
    [
      'keyCompromise + compromisedAt, iat after',
      revoked(active, 'keyCompromise', COMPROMISED),
      REVOKED - 1,
      LATER,
      no('signed-after-compromise'),
    ],
    [
      'superseded + compromisedAt: compromisedAt is the cut-off whatever the reason',
      revoked(active, 'superseded', COMPROMISED),
      COMPROMISED + 1,
      LATER,
      no('signed-after-compromise'),
    ],
    [
      'keyCompromise without compromisedAt: nothing is trusted',
      revoked(active, 'keyCompromise'),
      ACTIVATED,
      LATER,
      no('compromise-time-unknown'),
    ],
    [
      'cACompromise without compromisedAt: nothing is trusted',
      revoked(active, 'cACompromise'),
      ACTIVATED,
      LATER,
      no('compromise-time-unknown'),
    ],
    [
      'superseded without compromisedAt, iat before revokedAt',
      revoked(active, 'superseded'),
      REVOKED - 1,
      LATER,
      ok,
    ],
    [
      'superseded without compromisedAt, iat at revokedAt',
      revoked(active, 'superseded'),
      REVOKED,
      LATER,
      no('signed-after-revocation'),
    ],
    ...(['unspecified', 'affiliationChanged', 'cessationOfOperation', 'privilegeWithdrawn'] as const).map(
      (reason): [string, SigningKeyTimes, number, number, TokenValidity] => [
        `${reason} without compromisedAt: revokedAt is the cut-off`,
        revoked(active, reason),
        REVOKED - 1,
        LATER,
        ok,
      ],
    ),
    [
      'revoked after retirement, within grace, iat before compromise',
      revoked(retired, 'keyCompromise', COMPROMISED),
      COMPROMISED - 1,
      RETIRED + GRACE - 1,
      ok,
    ],
    [
      'revoked after retirement, grace over: revocation never makes a token more valid',
      revoked(retired, 'superseded'),
      RETIRED - 1,
      RETIRED + GRACE,
      no('grace-ended'),
    ],
    [
      'revoked, iat before notBefore even though before compromisedAt',
      revoked(active, 'keyCompromise', COMPROMISED),
      NOT_BEFORE - 1,
      LATER,
      no('before-not-before'),
    ],
  ])('%s', (_case, key, iat, now, expected) => {
    expect(tokenValidityAt(key, iat, now)).toEqual(expected);
  });
});

describe('inJwksAt / jwksUntil — which keys the JWKS lists', () => {
  it.each<[string, SigningKeyTimes, number, boolean]>([
    ['published', published, 0, true],
    ['active', active, REVOKED * 10, true],
    ['retired, at retirement', retired, RETIRED, true],
    ['retired, last instant of grace', retired, RETIRED + GRACE - 1, true],
    ['retired, grace ended', retired, RETIRED + GRACE, false],
    ['revoked from active', revoked(active, 'superseded'), REVOKED, false],
    ['revoked from published', revoked(published, 'superseded'), 0, false],
    ['revoked from retired within grace', revoked(retired, 'superseded'), RETIRED + 1, false],
  ])('%s', (_case, key, now, expected) => {
    expect(inJwksAt(key, now)).toBe(expected);
  });

  it('gives the end of a retired key grace only', () => {
    expect(jwksUntil(retired)).toBe(RETIRED + GRACE);
    expect(jwksUntil({ ...retired, graceMs: DEFAULT_GRACE_MS })).toBe(RETIRED + 86_400_000);
    expect(jwksUntil(active)).toBeUndefined();
    expect(jwksUntil(revoked(retired, 'superseded'))).toBeUndefined();
  });
});
