import type {
  Manifest,
  ManifestField,
  ManifestFlow,
  ManifestPurpose,
  ManifestSubprocessor,
} from '../../src/data-map/manifest/manifest.types';

/** Small valid data-map pieces with reserved names; override what a test is about. */
export function aField(overrides: Partial<ManifestField> = {}): ManifestField {
  return {
    key: 'user.contact.email',
    name: 'Email address',
    sensitivity: 'personal',
    paths: ['email', 'customer.email'],
    ...overrides,
  };
}

export function aPurpose(overrides: Partial<ManifestPurpose> = {}): ManifestPurpose {
  return { key: 'email-delivery', name: 'Email delivery', ...overrides };
}

export function aSubprocessor(overrides: Partial<ManifestSubprocessor> = {}): ManifestSubprocessor {
  return {
    key: 'vendor-a',
    name: 'Vendor A',
    url: 'https://vendor-a.example',
    locations: ['DE'],
    category: 'messaging',
    ...overrides,
  };
}

export function aFlow(overrides: Partial<ManifestFlow> = {}): ManifestFlow {
  return {
    subprocessor: 'vendor-a',
    purpose: 'email-delivery',
    mode: 'required',
    legalBasis: 'contract',
    fields: ['user.contact.email'],
    ...overrides,
  };
}

/** A valid two-vendor map: one required flow, one opt-in flow with an exclusion. */
export function aManifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    version: 1,
    organization: 'Example Org',
    fields: [
      aField(),
      aField({ key: 'user.name', name: 'Name', paths: ['name', 'customer.name'] }),
      aField({ key: 'usage.page-views', name: 'Page views', sensitivity: 'pseudonymous', paths: ['pages[*].url'] }),
    ],
    purposes: [aPurpose(), aPurpose({ key: 'product-analytics', name: 'Product analytics' })],
    subprocessors: [
      aSubprocessor(),
      aSubprocessor({ key: 'vendor-b', name: 'Vendor B', url: 'https://vendor-b.example', locations: ['US'], category: 'analytics', transferMechanism: 'scc' }),
    ],
    flows: [
      aFlow({ fields: ['user.contact.email', 'user.name'] }),
      aFlow({
        subprocessor: 'vendor-b',
        purpose: 'product-analytics',
        mode: 'opt-in',
        legalBasis: 'consent',
        fields: ['usage.page-views'],
        excludedFields: ['user.contact.email'],
      }),
    ],
    ...overrides,
  };
}

/** A valid map of `subprocessors × purposes` flows (500 × 20 = 10,000), for tests of scale. */
export function aLargeManifest(subprocessors = 500, purposes = 20): Manifest {
  const fields = Array.from({ length: 10 }, (_, i) =>
    aField({ key: `user.attribute-${i}`, name: `Attribute ${i}`, paths: [`attributes.a${i}`] }),
  );
  return {
    version: 1,
    organization: 'Example Org',
    fields,
    purposes: Array.from({ length: purposes }, (_, i) => aPurpose({ key: `purpose-${i}`, name: `Purpose ${i}` })),
    subprocessors: Array.from({ length: subprocessors }, (_, i) =>
      aSubprocessor({ key: `vendor-${i}`, name: `Vendor ${i}`, url: `https://vendor-${i}.example` }),
    ),
    flows: Array.from({ length: subprocessors * purposes }, (_, i) =>
      aFlow({
        subprocessor: `vendor-${Math.floor(i / purposes)}`,
        purpose: `purpose-${i % purposes}`,
        fields: [fields[i % 10].key, fields[(i + 3) % 10].key],
      }),
    ),
  };
}
