import type { MixedList } from 'typeorm';
import { PostgresSchema1796116400485 } from './1796116400485-PostgresSchema';
import { PostgresTranslationsAndCheckpoints1796116400486 } from './1796116400486-PostgresTranslationsAndCheckpoints';
import { PostgresAdminKeysAndActors1796116400487 } from './1796116400487-PostgresAdminKeysAndActors';
import { PostgresSubprocessorEndpoints1796118088971 } from './1796118088971-PostgresSubprocessorEndpoints';
import { PostgresManifestV2AndNotices1796118215893 } from './1796118215893-PostgresManifestV2AndNotices';
import { PostgresRateLimit1797000000002 } from './1797000000002-PostgresRateLimit';
import { PostgresConsentWriteFunctions1798100000001 } from './1798100000001-PostgresConsentWriteFunctions';
import { PostgresNoticeFacts1798400000002 } from './1798400000002-PostgresNoticeFacts';
import { PostgresConsentWriteFunctionsJsonb1798400000003 } from './1798400000003-PostgresConsentWriteFunctionsJsonb';
import { PostgresConsentWriteOnce1798700000001 } from './1798700000001-PostgresConsentWriteOnce';
import { PostgresChangeNotifyEntries1798800000001 } from './1798800000001-PostgresChangeNotifyEntries';
import { PostgresConsentPlansWithoutSeqScans1798900000001 } from './1798900000001-PostgresConsentPlansWithoutSeqScans';

/** Every PostgreSQL migration, in order: the app, the CLI and the tests run the same set. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const postgresMigrations: MixedList<Function> = [PostgresSchema1796116400485, PostgresTranslationsAndCheckpoints1796116400486,
  PostgresAdminKeysAndActors1796116400487, PostgresSubprocessorEndpoints1796118088971,
  PostgresManifestV2AndNotices1796118215893,
  PostgresRateLimit1797000000002, PostgresConsentWriteFunctions1798100000001, PostgresNoticeFacts1798400000002,
  PostgresConsentWriteFunctionsJsonb1798400000003, PostgresConsentWriteOnce1798700000001,
  PostgresChangeNotifyEntries1798800000001, PostgresConsentPlansWithoutSeqScans1798900000001];
