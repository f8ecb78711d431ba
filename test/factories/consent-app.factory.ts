import type { Manifest } from '../../src/data-map/manifest/manifest.types';
import { startTestApp, type TestApp } from '../support/test-app';
import { aField, aFlow, aPurpose, aSubprocessor } from './manifest.factory';
import { aUserToken, bearer, USER_TOKEN_SECRET } from './user-token.factory';

/**
 * A map with every consent mode: vendor-a sends email and name for email delivery
 * (required), vendor-b page views for product analytics (opt-in, not the email),
 * vendor-c email and name for support (opt-out), vendor-d the email for marketing and,
 * with a second purpose, page views for product analytics (both opt-in).
 */
export function aConsentManifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    version: 1,
    organization: 'Example Org',
    fields: [
      aField(),
      aField({ key: 'user.name', name: 'Name', paths: ['name', 'customer.name'] }),
      aField({ key: 'usage.page-views', name: 'Page views', sensitivity: 'pseudonymous', paths: ['pages[*].url'] }),
      aField({ key: 'user.health', name: 'Health data', sensitivity: 'special', paths: ['health'] }),
    ],
    purposes: [
      aPurpose(),
      aPurpose({ key: 'product-analytics', name: 'Product analytics' }),
      aPurpose({ key: 'support', name: 'Customer support' }),
      aPurpose({ key: 'marketing', name: 'Marketing' }),
    ],
    subprocessors: [
      aSubprocessor(),
      aSubprocessor({ key: 'vendor-b', name: 'Vendor B', url: 'https://vendor-b.example', locations: ['US'], category: 'analytics', transferMechanism: 'scc' }),
      aSubprocessor({ key: 'vendor-c', name: 'Vendor C', url: 'https://vendor-c.example', locations: ['IE', 'FR'], category: 'support' }),
      aSubprocessor({ key: 'vendor-d', name: 'Vendor D', url: 'https://vendor-d.example', locations: ['US', 'DE'], category: 'marketing', transferMechanism: 'dpf' }),
    ],
    flows: [
      aFlow({ fields: ['user.contact.email', 'user.name'], excludedFields: ['user.health'] }),
      aFlow({ subprocessor: 'vendor-b', purpose: 'product-analytics', mode: 'opt-in', legalBasis: 'consent', fields: ['usage.page-views'], excludedFields: ['user.contact.email'] }),
      aFlow({ subprocessor: 'vendor-c', purpose: 'support', mode: 'opt-out', legalBasis: 'legitimate-interests', fields: ['user.contact.email', 'user.name'] }),
      aFlow({ subprocessor: 'vendor-d', purpose: 'marketing', mode: 'opt-in', legalBasis: 'consent', fields: ['user.contact.email'] }),
      aFlow({ subprocessor: 'vendor-d', purpose: 'product-analytics', mode: 'opt-in', legalBasis: 'consent', fields: ['usage.page-views'] }),
    ],
    ...overrides,
  };
}

export interface ConsentTestApp extends TestApp {
  /** Authorization header of a fresh user token for `userId`. */
  user(userId: string): string;
  /** Authorization header of a service token created through the admin API. */
  service: string;
}

/** The whole app with user tokens enabled, the consent map imported and a service token. */
export async function startConsentApp(
  manifest: Manifest = aConsentManifest(),
  env: Record<string, string> = {},
): Promise<ConsentTestApp> {
  const t = await startTestApp({ FLOWGATE_USER_TOKEN_SECRET: USER_TOKEN_SECRET, ...env });
  await t.http().post('/api/v1/manifest').set('Authorization', t.admin).send(manifest).expect(201);
  const created = await t.http().post('/api/v1/service-tokens').set('Authorization', t.admin).send({ name: 'sdk' }).expect(201);
  return Object.assign(t, {
    user: (userId: string) => bearer(aUserToken(userId)),
    service: bearer(created.body.token as string),
  });
}
