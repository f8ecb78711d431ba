import { ConfigError } from '../config/configuration';
import { UsageError } from '../data-map/manifest.cli';
import type { CliIo } from './cli-command';
import { COMMANDS } from './commands';

/** `npm run flowgate -- <command> [...]`: runs one command, returns its exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const command = COMMANDS.find((c) => c.name.every((word, i) => argv[i] === word));
  if (!command) {
    io.err(usage());
    return argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' ? 0 : 2;
  }
  try {
    return await command.run(argv.slice(command.name.length), io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\nusage: npm run flowgate -- ${command.usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err((error as Error).message);
      return 1;
    }
    throw error;
  }
}

function usage(): string {
  return [
    'usage: npm run flowgate -- <command>',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(44)} ${c.summary}`),
  ].join('\n');
}

