import { parseArgs } from 'node:util';
import type { CliCommand } from './cli-command';
import { EXIT, printJson, withApp } from './cli-command';
import { DomainError } from '../common/domain-error';
import { ADMIN_ROLES, type AdminRole } from '../auth/admin-role';

export const adminKeyCreateCommand: CliCommand = {
  name: ['admin-key', 'create'],
  usage: 'admin-key create --name NAME --role viewer|editor|owner [--json]',
  summary: "create a person's admin key; the key is printed this once",
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { name: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (!values.name || !ADMIN_ROLES.includes(values.role as AdminRole)) {
      io.err(`--name and --role (${ADMIN_ROLES.join(', ')}) are required`);
      return EXIT.usage;
    }
    return withApp(io, async (app) => {
      const { AdminKeysService } = await import('../auth/admin-keys.service.js');
      try {
        const created = await app.get(AdminKeysService).create(values.name!, values.role as AdminRole);
        if (values.json) printJson(io, created);
        else io.out(`Admin key ${created.id} for ${created.name} (${created.role}):\n${created.key}\nIt is shown this once; only its hash is stored.`);
        return EXIT.ok;
      } catch (error) {
        if (error instanceof DomainError) {
          io.err(error.message);
          return EXIT.problems;
        }
        throw error;
      }
    });
  },
};

export const adminKeyListCommand: CliCommand = {
  name: ['admin-key', 'list'],
  usage: 'admin-key list [--json]',
  summary: 'list admin keys: holder, role, who created and revoked them',
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
    return withApp(io, async (app) => {
      const { AdminKeysService } = await import('../auth/admin-keys.service.js');
      const { items } = await app.get(AdminKeysService).list();
      if (values.json) printJson(io, items);
      else {
        for (const k of items) {
          io.out(
            `${String(k.id).padStart(4)}  ${k.name.padEnd(30)} ${k.role.padEnd(7)} ${k.prefix}…  created ${k.createdAt} by ${k.createdBy}` +
              (k.revokedAt ? `, revoked ${k.revokedAt} by ${k.revokedBy}` : ''),
          );
        }
      }
      return EXIT.ok;
    });
  },
};

export const adminKeyRevokeCommand: CliCommand = {
  name: ['admin-key', 'revoke'],
  usage: 'admin-key revoke ID [--json]',
  summary: 'revoke an admin key at once',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' } } });
    const id = Number(positionals[0]);
    if (positionals.length !== 1 || !Number.isInteger(id) || id < 1) {
      io.err('expected one ID, a positive integer');
      return EXIT.usage;
    }
    return withApp(io, async (app) => {
      const { AdminKeysService } = await import('../auth/admin-keys.service.js');
      try {
        await app.get(AdminKeysService).revoke(id);
        if (values.json) printJson(io, { id, revoked: true });
        else io.out(`Admin key ${id} revoked.`);
        return EXIT.ok;
      } catch (error) {
        if (error instanceof DomainError) {
          io.err(error.message);
          return EXIT.problems;
        }
        throw error;
      }
    });
  },
};
