import type { MixedList } from 'typeorm';
import { InitialSchema1795312535028 } from './1795312535028-InitialSchema';
import { ConsentAndAccess1795312981260 } from './1795312981260-ConsentAndAccess';
import { AuditEvents1795313822808 } from './1795313822808-AuditEvents';
import { AuditEventBatchIndex1795322799923 } from './1795322799923-AuditEventBatchIndex';
import { ManifestV21796116363108 } from './1796116363108-ManifestV2';
import { ChangeNotices1796118215892 } from './1796118215892-ChangeNotices';

/** Every migration, in order. Listed explicitly so the app, the CLI and tests run the same set. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const migrations: MixedList<Function> = [InitialSchema1795312535028, ConsentAndAccess1795312981260,
  AuditEvents1795313822808, AuditEventBatchIndex1795322799923, ManifestV21796116363108, ChangeNotices1796118215892];
