import type { MixedList } from 'typeorm';
import { InitialSchema1795312535028 } from './1795312535028-InitialSchema';
import { ConsentAndAccess1795312981260 } from './1795312981260-ConsentAndAccess';
import { AuditEvents1795313822808 } from './1795313822808-AuditEvents';
import { AuditEventBatchIndex1795322799923 } from './1795322799923-AuditEventBatchIndex';
import { DescriptionTranslations1795330000000 } from './1795330000000-DescriptionTranslations';
import { ConsentCheckpoints1795400000000 } from './1795400000000-ConsentCheckpoints';
import { JobLease1796116400484 } from './1796116400484-JobLease';
import { AdminKeysAndActors1795400000001 } from './1795400000001-AdminKeysAndActors';
import { SubprocessorEndpoints1796118088970 } from './1796118088970-SubprocessorEndpoints';
import { ManifestV21796116363108 } from './1796116363108-ManifestV2';
import { ChangeNotices1796118215892 } from './1796118215892-ChangeNotices';
import { RateLimit1797000000001 } from './1797000000001-RateLimit';
import { NoticeFacts1798400000001 } from './1798400000001-NoticeFacts';

/** Every SQLite migration, in order (PostgreSQL's are in `./postgres`). Listed explicitly so the app, the CLI and tests run the same set. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const migrations: MixedList<Function> = [InitialSchema1795312535028, ConsentAndAccess1795312981260,
  AuditEvents1795313822808, AuditEventBatchIndex1795322799923, DescriptionTranslations1795330000000,
  ConsentCheckpoints1795400000000, AdminKeysAndActors1795400000001, ManifestV21796116363108, JobLease1796116400484,
  SubprocessorEndpoints1796118088970, ChangeNotices1796118215892,
  RateLimit1797000000001, NoticeFacts1798400000001];
