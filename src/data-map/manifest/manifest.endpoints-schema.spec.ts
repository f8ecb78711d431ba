import Ajv2020 from 'ajv/dist/2020';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aManifest } from '../../../test/factories/manifest.factory';
import type { ManifestEndpoint } from './manifest.types';
import { validateManifest } from './manifest.validation';

/** docs/manifest.schema.json and the DTO rules agree on subprocessor endpoints. */
describe('manifest JSON Schema: endpoints', () => {
  const schema = JSON.parse(readFileSync(join(process.cwd(), 'docs', 'manifest.schema.json'), 'utf8')) as object;
  // Formats (the subprocessor url) are the DTO's business here; the endpoint rules are patterns.
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const validate = ajv.compile(schema);
  const withEndpoints = (endpoints: ManifestEndpoint[]) => {
    const m = aManifest();
    m.subprocessors[0].endpoints = endpoints;
    return m;
  };

  it.each<[string, ManifestEndpoint[], boolean]>([
    ['a host', [{ host: 'api.stripe.com' }], true],
    ['a wildcard with a port and a path prefix', [{ host: '*.logrocket.io:8443', path: '/v1/ingest' }], true],
    ['a host and purpose', [{ host: '127.0.0.1:4010', purpose: aManifest().purposes[0].key }], true],
    ['upper case', [{ host: 'API.stripe.com' }], false],
    ['a URL', [{ host: 'https://api.stripe.com' }], false],
    ['a path without /', [{ host: 'a.example', path: 'v1' }], false],
    ['a path with a query', [{ host: 'a.example', path: '/v1?x=1' }], false],
    ['a purpose that is no slug', [{ host: 'a.example', purpose: 'Not A Slug' }], false],
  ])('%s (%j): the schema and the DTO both say valid = %s', (_name, endpoints, valid) => {
    const m = withEndpoints(endpoints);
    expect(validate(m)).toBe(valid);
    expect(validateManifest(m).problems.filter((p) => p.path.startsWith('subprocessors[0].endpoints')).length === 0).toBe(valid);
  });

  it('refuses unknown endpoint properties in both', () => {
    const m = withEndpoints([{ host: 'a.example', port: 80 } as unknown as ManifestEndpoint]);
    expect(validate(m)).toBe(false);
    expect(validateManifest(m).problems.map((p) => p.path)).toContain('subprocessors[0].endpoints[0].port');
  });
});
