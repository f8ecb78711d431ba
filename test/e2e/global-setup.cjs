/**
 * Jest globalSetup of the e2e projects: one throwaway PostgreSQL cluster for the run (the
 * `e2e-postgres` project's specs each create their own databases in it). The URL reaches
 * the specs as FLOWGATE_TEST_PG_URL, its binaries' folder (pg_dump, …) as FLOWGATE_TEST_PG_BIN.
 * FLOWGATE_TEST_PG_URL already set: that server is used.
 */
const { startCluster } = require('../support/postgres-cluster.cjs');

module.exports = async function startPostgres() {
  // Child-process servers and CLIs load the built packages.
  require('../support/build-packages.cjs')();
  if (process.env.FLOWGATE_TEST_PG_URL) return;
  const started = Date.now();
  const cluster = await startCluster();
  globalThis.__flowgatePostgres = cluster;
  process.env.FLOWGATE_TEST_PG_URL = cluster.url;
  process.env.FLOWGATE_TEST_PG_BIN = cluster.bin;
  process.stdout.write(`\n[e2e] PostgreSQL started in ${Date.now() - started} ms (${cluster.url})\n`);
};
