import { ConfigError } from '../config/configuration';
import { EXIT, UsageError, type CliIo } from './cli-command';
import { COMMANDS } from './commands';

/** `flowgate <command> [...]`: runs one command, returns its exit code (`EXIT`). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const command = COMMANDS.find((c) => c.name.every((word, i) => argv[i] === word));
  if (!command) {
    const help = argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h';
    if (help) io.out(usage());
    else io.err(`unknown command "${argv.join(' ')}"\n\n${usage()}`);
    return help ? EXIT.ok : EXIT.usage;
  }
  try {
    return await command.run(argv.slice(command.name.length), io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\nusage: flowgate ${command.usage}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return EXIT.usage;
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err((error as Error).message);
      return EXIT.problems;
    }
    throw error;
  }
}

function usage(): string {
  return [
    'usage: flowgate <command>',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(48)} ${c.summary}`),
    '',
    'exit codes: 0 done; 1 problems found (invalid manifest, broken chain, missing file);',
    '            2 usage or configuration error; 3 unexpected error',
  ].join('\n');
}
