/**
 * Jest globalSetup of the e2e projects: one throwaway PostgreSQL cluster for the run (the
 * `e2e-postgres` project's specs each create their own databases in it). The URL reaches
 * the specs as FLOWGATE_TEST_PG_URL, its binaries' folder (pg_dump, …) as FLOWGATE_TEST_PG_BIN.
 * FLOWGATE_TEST_PG_URL already set: that server is used.
 *
 * A run that ends without its globalTeardown does not leave the cluster behind: Ctrl-C,
 * SIGTERM or SIGHUP stop it here before Jest dies of the signal; SIGKILL or heap exhaustion
 * leave it to the cluster's watchdog, and failing that to the next run's startCluster
 * (test/support/postgres-cluster.cjs).
 */
const { startCluster } = require('../support/postgres-cluster.cjs');

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

module.exports = async function startPostgres() {
  // Child-process servers and CLIs load the built packages.
  require('../support/build-packages.cjs')();
  if (process.env.FLOWGATE_TEST_PG_URL) return;
  const started = Date.now();
  const cluster = await startCluster();
  globalThis.__flowgatePostgres = cluster;
  process.env.FLOWGATE_TEST_PG_URL = cluster.url;
  process.env.FLOWGATE_TEST_PG_BIN = cluster.bin;
  const onSignal = (signal) => {
    for (const s of SIGNALS) process.off(s, onSignal);
    try {
      cluster.stop();
    } finally {
      // Die of the signal as Jest would have without this listener.
      process.kill(process.pid, signal);
    }
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  cluster.offSignals = () => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  process.stdout.write(`\n[e2e] PostgreSQL started in ${Date.now() - started} ms (${cluster.url})\n`);
};
