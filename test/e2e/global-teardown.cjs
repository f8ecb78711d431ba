/** Jest globalTeardown of the e2e projects: stops the cluster global-setup.cjs started. */
module.exports = async function stopPostgres() {
  const cluster = globalThis.__flowgatePostgres;
  if (cluster) {
    cluster.offSignals?.();
    cluster.stop();
    delete process.env.FLOWGATE_TEST_PG_URL;
    delete process.env.FLOWGATE_TEST_PG_BIN;
    globalThis.__flowgatePostgres = undefined;
  }
};
