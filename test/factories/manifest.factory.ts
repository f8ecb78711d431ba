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
