import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `file` empty with mode 0600 (owner only) unless it exists, and its folder with
 * 0700 unless that exists. For files that hold secrets or personal data (the SQLite
 * database, whose -wal and -shm files SQLite creates with the database file's mode).
 * Returns whether it created the file.
 */
export function createPrivateFile(file: string): boolean {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (existsSync(file)) return false;
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  return true;
}
