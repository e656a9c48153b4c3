// A signing service in a process of its own, for crash tests: it starts the real SigningService (the built
// gateway, gateway/dist, as a deployed service runs it) on the devnet with the signer's identity, accepts the
// submissions it was given through service.queue — the calls the REST layer makes — prints the accepted job ids
// as one JSON line, and keeps signing until it is killed with SIGKILL. Nothing is stopped cleanly on purpose.
'use strict';
const { FabricConnection } = require('../../../gateway/dist/fabric');
const { HsmToken } = require('../../../gateway/dist/hsm');
const { CaValidator } = require('../../../gateway/dist/signing/ca');
const { KeyCertification, SigningService } = require('../../../gateway/dist/signing/service');
const { join } = require('node:path');

async function main() {
  /**
   * { fabric, token: {label, pin}, dataDir, serviceId, cas: TrustedCa[], workers, claimBatch, leaseMs, hold,
   *   submissions: [{ kind: 'single' | 'batch', idempotencyKey?, requests: [{ id?, payload }] }] }
   */
  const config = JSON.parse(process.argv[2]);
  const validator = new CaValidator({ cas: config.cas });
  await validator.start();
  const service = await SigningService.start({
    dataDir: config.dataDir,
    token: HsmToken.open(config.token),
    ledger: FabricConnection.open(config.fabric),
    serviceId: config.serviceId,
    certification: new KeyCertification({
      validator,
      caIds: config.cas.map((ca) => ca.id),
      dir: join(config.dataDir, 'certificates'),
    }),
    workers: config.workers,
    claimBatch: config.claimBatch,
    leaseMs: config.leaseMs,
    queue: { leaseMs: config.leaseMs },
  });
  process.stdout.write(`started ${(await service.keys.current()).kid}\n`);
  // Each submission is committed before the next. The workers (already claiming) get the event loop only once
  // the ids are printed, so the parent learns of every job before any is signed, and kills mid-queue.
  const accepted = config.submissions.map((submission) => {
    const options =
      submission.idempotencyKey === undefined ? {} : { idempotencyKey: submission.idempotencyKey };
    return submission.kind === 'single'
      ? [service.queue.submit(submission.requests[0], options).job.id]
      : service.queue.submitBatch(submission.requests, options).jobs.map((job) => job.id);
  });
  // A worker of this process that has claimed jobs and dies before it completes them, as every worker does at
  // the kill: which jobs the service's own workers hold at that instant is a race (a claim is visible only once
  // its commit is synced), these are held for certain. The restarted service must claim them again.
  const held =
    config.hold > 0 ? service.queue.claim('stalled-worker', { limit: config.hold }).map((job) => job.id) : [];
  process.stdout.write(`${JSON.stringify({ accepted, held })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
  process.exit(1);
});
