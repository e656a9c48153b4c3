import type { ValidationResult } from '../../../src/signing/ca';
import { pathFaultForToken } from '../../../src/signing/service/certificatePath';

const revokedAt = '2026-01-01T12:00:00.000Z';
const compromisedAt = '2026-01-01T11:00:00.500Z';

function revoked(invalidityDate?: string): ValidationResult {
  return {
    valid: false,
    failedOver: false,
    kid: 'k1',
    serial: '0a',
    path: [],
    attempts: [],
    revocation: { checked: 'crl', policy: 'hard-fail', revoked: true, reason: 'keyCompromise', revokedAt },
    reason: 'revoked by ca1',
    revokedEntry: {
      caId: 'ca1',
      serial: '0a',
      crlNumber: 7,
      reason: 'keyCompromise',
      revocationDate: revokedAt,
      ...(invalidityDate === undefined ? {} : { invalidityDate }),
    },
  };
}

test('a revoked certificate vouches for a token signed before the invalidity date, not at or after it', () => {
  const cutoff = Date.parse(compromisedAt);
  expect(pathFaultForToken(revoked(compromisedAt), 'k1', cutoff - 500)).toBeUndefined();
  expect(pathFaultForToken(revoked(compromisedAt), 'k1', cutoff)).toBe(
    `the certificate 0a was revoked by CA ca1 (keyCompromise, invalid since ${compromisedAt}, revoked at ${revokedAt}) in CRL number 7; this token was signed after that, at ${compromisedAt}`,
  );
  // Between the compromise and the revocation: refused, the CA's entry says so.
  expect(pathFaultForToken(revoked(compromisedAt), 'k1', Date.parse(revokedAt) - 1_000)).toMatch(/ca1/);
});

test('without an invalidity date the revocation date is the line; other faults are never excused', () => {
  expect(pathFaultForToken(revoked(), 'k1', Date.parse(revokedAt) - 1_000)).toBeUndefined();
  expect(pathFaultForToken(revoked(), 'k1', Date.parse(revokedAt))).toMatch(
    /revoked by CA ca1 \(keyCompromise, revoked at .*\) in CRL number 7/,
  );
  // Another key's certificate, or a path that failed for another reason: refused whatever the time.
  expect(pathFaultForToken(revoked(), 'k2', 0)).toBe('revoked by ca1');
  const broken: ValidationResult = { ...revoked(), revokedEntry: undefined } as unknown as ValidationResult;
  expect(pathFaultForToken({ ...broken, reason: 'the path is invalid' }, 'k1', 0)).toBe(
    'the path is invalid',
  );
  expect(pathFaultForToken({ ...broken, valid: true, kid: 'k1' }, 'k1', 0)).toBeUndefined();
  expect(pathFaultForToken({ ...broken, valid: true, kid: 'k9' }, 'k1', 0)).toBe(
    'the certificate names key k9, not k1',
  );
});
