/**
 * A compromised signing key on the devnet with two CAs: revoked on the ledger with its compromise time, then its
 * certificates revoked at both CAs with that time as the CRL entries' invalidity date. A relying party verifying
 * under hard-fail still trusts the token signed before the compromise — the ledger keeps it, and the CA's entry
 * says the key was good until then — and refuses the one signed after.
 */
import 'reflect-metadata';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { signing } from '@keyledger/chaincode/protocol';
import pino from 'pino';
import { HsmToken } from '../../gateway/src/hsm';
import { CaValidator, REVOCATION_REASONS } from '../../gateway/src/signing/ca';
import { SigningLedger } from '../../gateway/src/signing/ledger';
import {
  KeyCertification,
  SigningService,
  TokenVerifier,
  type SignedToken,
} from '../../gateway/src/signing/service';
import type { TestCa } from '../../gateway/test/signing/ca/support/cas';
import type { MemberNet, NetMember } from './support/memberNet';
import { startSigningNet } from './support/signingNet';

const SERVICE = 'e2e-revocation-signer';
const silent = pino({ level: 'silent' });

const sleepUntil = (at: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

describe('a compromised signing key revoked on the ledger and at its CAs (devnet, SoftHSM, two CAs)', () => {
  let net: MemberNet;
  let signer: NetMember;
  let cas: readonly TestCa[];
  let validator: CaValidator;
  let token: HsmToken;
  let service: SigningService | undefined;

  beforeAll(async () => {
    ({ net, signer, cas, validator, token } = await startSigningNet(
      'keyledger-signing-revocation-',
      'revocation-e2e',
    ));
  }, 120_000);

  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await net?.stop();
  });

  it('the CRLs list the serial with the compromise time; the earlier token verifies, the later one does not', async () => {
    const dataDir = join(net.dataDir, 'signing');
    const certification = new KeyCertification({
      validator,
      caIds: cas.map((ca) => ca.server.name),
      dir: join(dataDir, 'certificates'),
      logger: silent,
    });
    service = await SigningService.start({
      dataDir,
      token,
      ledger: net.connectionAs(signer),
      serviceId: SERVICE,
      certification,
      logger: silent,
    });
    const { kid } = await service.keys.current();
    const sign = async (n: number): Promise<string> => {
      const { job } = service!.queue.submit({
        payload: { claims: { sub: `user-${n}` }, lifetimeSeconds: 600 },
      });
      const done = await service!.queue.waitFor(job.id, { timeoutMs: 30_000 });
      return (done.result as unknown as SignedToken).token;
    };
    // iat has whole seconds: the earlier token a second after notBefore, the compromise at the next second,
    // the later token after that.
    const { notBefore } = (await service.ledger.get(kid)) as signing.SigningKeyRecord;
    await sleepUntil(notBefore + 1_100);
    const earlier = await sign(1);
    const compromisedAt = (Math.floor(Date.now() / 1000) + 1) * 1000;
    await sleepUntil(compromisedAt + 50);
    const later = await sign(2);
    // Stopped first: this test revokes by hand, the key manager would rotate.
    await service.stop();
    service = undefined;

    await new SigningLedger(net.connectionAs(signer)).revoke({
      kid,
      reason: 'keyCompromise',
      compromisedAt,
    });
    const certificates = certification.certificates(kid);
    expect(certificates.map((certificate) => certificate.issuer)).toEqual(['ca1', 'ca2']);
    const outcomes = await certification.revokeCertificates(kid, 'keyCompromise', compromisedAt);
    expect(outcomes).toEqual(
      certificates.map((certificate) =>
        expect.objectContaining({
          caId: certificate.issuer,
          serial: certificate.serial,
          revoked: true,
          invalidityDate: new Date(compromisedAt).toISOString(),
          alreadyRevoked: false,
        }),
      ),
    );

    // Each CA's published CRL lists the serial, for key compromise, invalid since the compromise.
    for (const [i, certificate] of certificates.entries()) {
      const crl = new x509.X509Crl(new Uint8Array(await validator.client(certificate.issuer).crl()));
      const entry = crl.findRevoked(certificate.serial);
      expect(entry?.reason).toBe(REVOCATION_REASONS.keyCompromise);
      expect(entry?.invalidity?.getTime()).toBe(compromisedAt);
      expect(outcomes[i]).toMatchObject({ crlNumber: (await cas[i]!.server.ca.currentCrl()).crlNumber });
    }

    const verifier = new TokenVerifier({
      ledger: new SigningLedger(net.connectionAs(signer)),
      validator,
      issuer: SERVICE,
    });
    await expect(verifier.verify(earlier, { revocation: 'hard-fail' })).resolves.toMatchObject({
      valid: true,
      kid,
      keyStatus: 'revoked',
      validatedBy: 'ca1',
      revocation: {
        checked: 'crl',
        policy: 'hard-fail',
        revoked: true,
        reason: 'keyCompromise',
        invalidityDate: new Date(compromisedAt).toISOString(),
      },
    });
    const refused = await verifier.verify(later, { revocation: 'hard-fail' });
    expect(refused).toMatchObject({ valid: false, reason: 'signed-after-compromise', kid });
    expect(refused.valid ? '' : refused.detail).toContain('compromised from');
  }, 90_000);
});
