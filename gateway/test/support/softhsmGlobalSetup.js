// SoftHSM reads SOFTHSM2_CONF with getenv() when the library is initialised. Jest gives each test file its own
// copy of process.env, so setting it inside a test never reaches the native library; set it here, in the
// process that spawns the workers, so every worker inherits a project-owned token directory for this run
// and no test ever touches the system's tokens.
const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async function softhsmGlobalSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'keyledger-softhsm-'));
  mkdirSync(join(dir, 'tokens'), { mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(
    conf,
    `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  process.env.KEYLEDGER_TEST_SOFTHSM_DIR = dir;
  globalThis.__keyledgerSoftHsmDir = dir;
};
