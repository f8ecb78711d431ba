#!/usr/bin/env node
import 'reflect-metadata';
import { EXIT } from './cli-command';
import { runCli } from './run-cli';

// `flowgate export | head` closes stdout early: nobody is left to read, so that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT.ok);
  throw error;
});

// The exit code is set, never forced with process.exit(): Node exits once stdout and
// stderr are drained, so a piped export arrives whole.
runCli(process.argv.slice(2), {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  env: process.env,
  terminal: process.stderr.isTTY ? process.stderr : undefined,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.internal;
  },
);
