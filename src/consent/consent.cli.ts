import { parseArgs } from 'node:util';
import type { CliCommand } from '../cli/cli-command';
import { withApp } from '../cli/cli-command';
import { isUserId } from '../auth/user-id';
import { loadConfig } from '../config/configuration';
import { ConsentService } from './consent.service';
import { rotateReceiptKey } from './receipt-signer';

export const consentRebuildCommand: CliCommand = {
  name: ['consent', 'rebuild'],
  usage: 'consent rebuild',
  summary: 'rebuild the current-consent projection from the consent events, in one transaction',
  async run(args, io) {
    parseArgs({ args, options: {} });
    return withApp(io, async (app) => {
      const started = Date.now();
      const counts = await app.get(ConsentService).rebuild();
      io.out(
        `Rebuilt consent state from ${counts.events} events: ${counts.users} users, ${counts.choices} current choices (${Date.now() - started} ms).`,
      );
      return 0;
    });
  },
};

/** `consent verify` reports progress (to stderr) after every this many users. */
export const VERIFY_PROGRESS_EVERY = 1000;

export const consentVerifyCommand: CliCommand = {
  name: ['consent', 'verify'],
  usage: 'consent verify [--user ID]',
  summary: 'check the consent events against their hash chains, the signed checkpoints, the projection and the notices; exit 1 naming each broken user and event',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { user: { type: 'string' } } });
    if (values.user !== undefined && !isUserId(values.user)) {
      io.err(`--user must be 1 to 128 letters, digits or . _ : @ + -, got "${values.user}"`);
      return 2;
    }
    return withApp(io, async (app) => {
      const consent = app.get(ConsentService);
      // The checkpoints are checked once; users whose whole history is gone are still listed in them.
      const ledger = await consent.ledger();
      const users =
        values.user !== undefined ? [values.user] : [...new Set([...(await consent.users()), ...ledger.byUser.keys()])].sort();
      for (const p of ledger.problems) io.err(`checkpoint ${p.checkpoint}: ${p.problem}`);
      let broken = 0;
      for (const [i, userId] of users.entries()) {
        const result = await consent.verify(userId, ledger);
        if (result.problems.length > 0) {
          broken++;
          for (const p of result.problems) io.err(`${userId}: event ${p.seq}${p.eventId === null ? '' : ` (id ${p.eventId})`}: ${p.problem}`);
        }
        const done = i + 1;
        if (done % VERIFY_PROGRESS_EVERY === 0 && done < users.length) {
          io.err(`… ${done.toLocaleString('en-US')} of ${users.length.toLocaleString('en-US')} users checked, ${broken} broken so far`);
        }
      }
      const log = ledger.problems.length === 0 ? '' : `; ${ledger.problems.length} checkpoint problems`;
      io.out(`Checked ${users.length} users against ${ledger.ranges.length} signed checkpoints: ${broken === 0 && log === '' ? 'every chain is intact' : `${broken} broken${log}`}.`);
      return broken === 0 && ledger.problems.length === 0 ? 0 : 1;
    });
  },
};

export const receiptKeyRotateCommand: CliCommand = {
  name: ['receipt-key', 'rotate'],
  usage: 'receipt-key rotate',
  summary: 'sign receipts with a new key from the next start; the old public key stays in the key set',
  async run(args, io) {
    parseArgs({ args, options: {} });
    const { retired, current } = rotateReceiptKey(loadConfig(io.env));
    io.out(
      `Receipt-signing key rotated: ${current} signs from the server's next start; ${retired} is retired and stays in /api/v1/receipts/keys, so the receipts it signed still verify.`,
    );
    return 0;
  },
};
