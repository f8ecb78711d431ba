/**
 * The watchdog of one throwaway PostgreSQL cluster (postgres-cluster.cjs starts it detached,
 * in a session of its own, so a Ctrl-C to the test run's process group leaves it running):
 * `node postgres-watchdog.cjs <cluster folder> <poll ms>`. Every poll it checks the owner
 * named in the folder's owner.json; once that process is gone it stops the postmaster and
 * removes the folder. It ends when the folder is gone (the owner stopped the cluster) or on
 * SIGTERM (sent by the owner's stop()).
 */
const { existsSync } = require('node:fs');
const { ownerAlive, readOwner, stopOrphan } = require('./postgres-cluster.cjs');

const [dir, pollMs] = process.argv.slice(2);
const owner = readOwner(dir);
if (owner === undefined) process.exit(0);

const timer = setInterval(() => {
  if (!existsSync(dir)) process.exit(0);
  if (ownerAlive(owner)) return;
  clearInterval(timer);
  try {
    stopOrphan(dir);
  } finally {
    process.exit(0);
  }
}, Number(pollMs));
