import { completenessCommand, exportCommand, importCommand, validateCommand } from './manifest.cli';
import { adminKeyCreateCommand, adminKeyListCommand, adminKeyRevokeCommand } from './admin-key.cli';
import type { CliCommand } from './cli-command';
import { impactCommand, publishCommand, ropaCommand } from './transparency.cli';
import { consentRebuildCommand, consentVerifyCommand, receiptKeyRotateCommand } from './consent.cli';

/** Every CLI command; a module adds its own here. */
export const COMMANDS: CliCommand[] = [importCommand, exportCommand, validateCommand, completenessCommand, consentRebuildCommand, consentVerifyCommand, receiptKeyRotateCommand,
  adminKeyCreateCommand, adminKeyListCommand, adminKeyRevokeCommand, publishCommand, impactCommand, ropaCommand];
