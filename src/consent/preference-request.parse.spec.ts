import 'reflect-metadata';
import fc from 'fast-check';
import { ValidationFailedError, type Problem } from '../common/domain-error';
import { createValidationPipe } from '../common/validation.pipe';
import { FlowKeyParamDto, SetPreferenceDto } from './dto/preferences.dto';
import { parsePreferenceRequest } from './preference-request.parse';

const pipe = createValidationPipe();

/** What the DTOs say through the app's validation pipe (the param first, as Nest runs them): the oracle. */
async function dtoAnswer(flowKey: unknown, body: unknown): Promise<{ problems: Problem[] } | { value: unknown }> {
  const problems: Problem[] = [];
  let param: FlowKeyParamDto | undefined;
  let dto: SetPreferenceDto | undefined;
  try {
    param = (await pipe.transform({ flowKey }, { type: 'param', metatype: FlowKeyParamDto })) as FlowKeyParamDto;
  } catch (error) {
    problems.push(...(error as ValidationFailedError).problems);
  }
  try {
    dto = (await pipe.transform(body, { type: 'body', metatype: SetPreferenceDto })) as SetPreferenceDto;
  } catch (error) {
    problems.push(...(error as ValidationFailedError).problems);
  }
  if (problems.length > 0) return { problems: sorted(problems) };
  return { value: { flowKey: param!.flowKey, granted: dto!.granted, ...(dto!.flowVersion == null ? {} : { flowVersion: dto!.flowVersion }) } };
}

function parsedAnswer(flowKey: unknown, body: unknown): { problems: Problem[] } | { value: unknown } {
  try {
    return { value: parsePreferenceRequest(flowKey, body) };
  } catch (error) {
    if (!(error instanceof ValidationFailedError)) throw error;
    return { problems: sorted(error.problems) };
  }
}

const sorted = (problems: Problem[]) =>
  [...new Map(problems.map((p) => [`${p.path}\u0000${p.message}`, { path: p.path, message: p.message }])).values()].sort((a, b) =>
    `${a.path}\u0000${a.message}`.localeCompare(`${b.path}\u0000${b.message}`),
  );

const anything = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const flowKey = fc.oneof(fc.constantFrom('vendor-a.email-delivery', 'vendor-a', 'Vendor.A', 'a..b', `${'a'.repeat(150)}.${'b'.repeat(60)}`), fc.string({ maxLength: 12 }));
const body = fc.oneof(
  fc.record(
    {
      granted: fc.oneof(fc.boolean(), anything),
      flowVersion: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constant(1.5), anything),
      extra: anything,
    },
    { requiredKeys: [] },
  ),
  anything,
);

describe(parsePreferenceRequest.name, () => {
  it('answers exactly as the DTOs do: the same problems (path and message), or the same values', async () => {
    await fc.assert(
      fc.asyncProperty(flowKey, body, async (key, b) => {
        const parsed = parsedAnswer(key, b);
        const oracle = await dtoAnswer(key, b);
        // A body that is not an object: the DTO pipe names it differently; both refuse it at the root.
        if ('problems' in oracle && (b === null || typeof b !== 'object' || Array.isArray(b))) {
          expect('problems' in parsed && parsed.problems.some((p) => p.path === '')).toBe(true);
          return;
        }
        expect(parsed).toEqual(oracle);
      }),
      { numRuns: 3000 },
    );
  });

  it('names the field and the rule', () => {
    expect(() => parsePreferenceRequest('vendor-a.email-delivery', { granted: 'yes', flowVersion: 0 })).toThrow(
      'Invalid request: granted: must be true or false; flowVersion: must be a positive integer',
    );
    expect(parsePreferenceRequest('vendor-a.email-delivery', { granted: false, flowVersion: 3 })).toEqual({ flowKey: 'vendor-a.email-delivery', granted: false, flowVersion: 3 });
  });
});
