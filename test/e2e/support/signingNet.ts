/**
 * The ground of the signing service's end-to-end tests: a devnet with a signer member, two CA services over
 * HTTPS (each with its own SoftHSM token) that accept the signer's certificate, a validator over them, and the
 * service's own SoftHSM token.
 *   const net = await startSigningNet('keyledger-signing-');
 *   const service = await SigningService.start(net.serviceOptions(join(net.net.dataDir, 'signing')));
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { HsmToken } from '../../../gateway/src/hsm';
import { CaValidator, type TrustedCa } from '../../../gateway/src/signing/ca';
import { KeyCertification, type SigningServiceOptions } from '../../../gateway/src/signing/service';
import { newTestToken } from '../../../gateway/test/support/softhsm';
import { startTestCa, trusted, type TestCa } from '../../../gateway/test/signing/ca/support/cas';
import { startMemberNet, type MemberNet, type NetMember } from './memberNet';

export const SIGNING_SERVICE_ID = 'e2e-signer';

export interface SigningNet {
  readonly net: MemberNet;
  readonly signer: NetMember;
  readonly cas: readonly TestCa[];
  /** The CAs as the validator trusts them (with the signer's client certificate, to issue and revoke). */
  readonly trustedCas: readonly TrustedCa[];
  readonly token: HsmToken;
  readonly validator: CaValidator;
  /** Options for SigningService.start: this net's signer, token and CAs, its queue in `dataDir`. */
  serviceOptions(dataDir: string, extra?: Partial<SigningServiceOptions>): SigningServiceOptions;
  stop(): Promise<void>;
}

export async function startSigningNet(prefix: string, tokenLabel: string): Promise<SigningNet> {
  const net = await startMemberNet({ orgs: 2, prefix });
  try {
    const signer = await net.addMember('signer', 'signer');
    const clientTls = { certPem: signer.files.certPem, keyPem: readFileSync(signer.files.keyPath, 'utf8') };
    const cas = [
      await startTestCa('ca1', { fingerprint: signer.fingerprint }),
      await startTestCa('ca2', { fingerprint: signer.fingerprint }),
    ];
    net.onStop(async () => {
      await Promise.all(cas.map((ca) => ca.server.stop().catch(() => undefined)));
    });
    const trustedCas = cas.map((ca) => trusted(ca.server, clientTls));
    const validator = new CaValidator({ cas: trustedCas });
    await validator.start();
    net.onStop(() => validator.stop());
    const token = newTestToken(tokenLabel);
    net.onStop(() => token.close());
    const ledger = net.connectionAs(signer);
    return {
      net,
      signer,
      cas,
      trustedCas,
      token,
      validator,
      serviceOptions: (dataDir, extra = {}) => ({
        dataDir,
        token,
        ledger,
        serviceId: SIGNING_SERVICE_ID,
        certification: new KeyCertification({
          validator,
          caIds: cas.map((ca) => ca.server.name),
          dir: join(dataDir, 'certificates'),
        }),
        workers: 4,
        claimBatch: 20,
        logger: pino({ level: 'silent' }),
        ...extra,
      }),
      stop: () => net.stop(),
    };
  } catch (error) {
    await net.stop();
    throw error;
  }
}
