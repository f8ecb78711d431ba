// Removes the tarballs and scratch apps made by global-setup.cjs.
const { readFileSync, rmSync } = require('node:fs');

module.exports = async function globalTeardown() {
  const file = process.env.FLOWGATE_SCRATCH;
  if (!file) return;
  const { base } = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(base, { recursive: true, force: true });
};
