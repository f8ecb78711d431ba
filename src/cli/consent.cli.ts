import { parseArgs } from 'node:util';
import type { CliCommand } from './cli-command';
import { EXIT, printJson, withApp } from './cli-command';
import { count, startProgress } from './progress';
import { isUserId } from '../auth/user-id';
import { loadConfig } from '../config/configuration';
import { rotateReceiptKey } from '../consent/receipt-signer';

export const consentRebuildCommand: CliCommand = {
  name: ['consent', 'rebuild'],
  usage: 'consent rebuild [--json]',
  summary: 'rebuild the current-consent projection from the consent events, in one transaction',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
    return withApp(io, async (app) => {
      const { ConsentService } = await import('../consent/consent.service.js');
      const started = Date.now();
      let progress: ReturnType<typeof startProgress> | undefined;
      const counts = await app.get(ConsentService).rebuild((done, total) => {
        progress ??= startProgress(io, {
          unit: 'events',
          total,
          every: REBUILD_PROGRESS_EVERY,
          line: (n, of) => `… ${count(n)} of ${count(of)} events replayed`,
        });
        progress.update(done);
      });
      progress?.stop();
      const ms = Date.now() - started;
      if (values.json) {
        printJson(io, { ...counts, ms });
      } else {
        io.out(
          `Rebuilt consent state from ${counts.events} events: ${counts.users} users, ${counts.choices} current choices (${ms} ms).`,
        );
      }
      return EXIT.ok;
    });
  },
};

/** `consent rebuild` reports progress (to stderr) after every this many events (one page). */
export const REBUILD_PROGRESS_EVERY = 5000;

/** `consent verify` reports progress (to stderr) after every this many users. */
export const VERIFY_PROGRESS_EVERY = 1000;

export const consentVerifyCommand: CliCommand = {
  name: ['consent', 'verify'],
  usage: 'consent verify [--user ID] [--json]',
  summary: 'check the consent events against their hash chains, the signed checkpoints, the projection and the notices; exit 1 naming each broken user and event',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { user: { type: 'string' }, json: { type: 'boolean' } } });
    if (values.user !== undefined && !isUserId(values.user)) {
      io.err(`--user must be 1 to 128 letters, digits or . _ : @ + -, got "${values.user}"`);
      return EXIT.usage;
    }
    return withApp(io, async (app) => {
      const { ConsentService } = await import('../consent/consent.service.js');
      const consent = app.get(ConsentService);
      // The checkpoints are checked once; users whose whole history is gone are still listed in them.
      const ledger = await consent.ledger();
      const users =
        values.user !== undefined ? [values.user] : [...new Set([...(await consent.users()), ...ledger.byUser.keys()])].sort();
      if (!values.json) for (const p of ledger.problems) io.err(`checkpoint ${p.checkpoint}: ${p.problem}`);
      const broken: Array<{ userId: string; problems: Array<{ seq: number; eventId: number | null; problem: string }> }> = [];
      const progress = startProgress(io, {
        unit: 'users',
        total: users.length,
        every: VERIFY_PROGRESS_EVERY,
        line: (done, total) => `… ${count(done)} of ${count(total)} users checked, ${broken.length} broken so far`,
      });
      for (const [i, userId] of users.entries()) {
        const result = await consent.verify(userId, ledger);
        if (result.problems.length > 0) {
          broken.push({ userId, problems: result.problems.map((p) => ({ seq: p.seq, eventId: p.eventId, problem: p.problem })) });
          if (!values.json) for (const p of result.problems) io.err(`${userId}: event ${p.seq}${p.eventId === null ? '' : ` (id ${p.eventId})`}: ${p.problem}`);
        }
        progress.update(i + 1);
      }
      progress.stop();
      const intact = broken.length === 0 && ledger.problems.length === 0;
      if (values.json) {
        printJson(io, { users: users.length, checkpoints: ledger.ranges.length, intact, broken, checkpointProblems: ledger.problems });
      } else {
        const log = ledger.problems.length === 0 ? '' : `; ${ledger.problems.length} checkpoint problems`;
        io.out(`Checked ${users.length} users against ${ledger.ranges.length} signed checkpoints: ${intact ? 'every chain is intact' : `${broken.length} broken${log}`}.`);
      }
      return intact ? EXIT.ok : EXIT.problems;
    });
  },
};

export const receiptKeyRotateCommand: CliCommand = {
  name: ['receipt-key', 'rotate'],
  usage: 'receipt-key rotate [--json]',
  summary: 'sign receipts with a new key from the next start; the old public key stays in the key set',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
    const { retired, current } = rotateReceiptKey(loadConfig(io.env));
    if (values.json) {
      printJson(io, { retired, current });
    } else {
      io.out(
        `Receipt-signing key rotated: ${current} signs from the server's next start; ${retired} is retired and stays in /api/v1/receipts/keys, so the receipts it signed still verify.`,
      );
    }
    return EXIT.ok;
  },
};
