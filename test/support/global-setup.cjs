// e2e and SDK tiers: child-process servers, CLIs and guards load the built packages.
module.exports = async function globalSetup() {
  require('./build-packages.cjs')();
};
