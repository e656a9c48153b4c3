const { rmSync } = require('node:fs');

module.exports = async function softhsmGlobalTeardown() {
  if (globalThis.__keyledgerSoftHsmDir) {
    rmSync(globalThis.__keyledgerSoftHsmDir, { recursive: true, force: true });
  }
};
