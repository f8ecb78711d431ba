import 'reflect-metadata';
import fc from 'fast-check';
import { ValidationFailedError, type Problem } from '../common/domain-error';
import { createValidationPipe } from '../common/validation.pipe';
import { parseDecisionBatch, parseDecisionRequest } from './decision-request.parse';
import { DecisionBatchDto, DecisionRequestDto } from './dto/decision-request.dto';

const pipe = createValidationPipe();

/** The problem paths the DTO (through the app's validation pipe) reports: the oracle. */
async function dtoPaths(metatype: typeof DecisionRequestDto | typeof DecisionBatchDto, body: unknown): Promise<string[]> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
    return [];
  } catch (error) {
    return paths((error as ValidationFailedError).problems);
  }
}

/** Both name a bad element by its index (`fields[1]`). */
function parsedPaths(parse: (body: unknown) => unknown, body: unknown): string[] {
  try {
    parse(body);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationFailedError)) throw error;
    return paths(error.problems);
  }
}

const paths = (problems: Problem[]) => [...new Set(problems.map((p) => p.path))].sort();

const anything = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const request = fc.record(
  {
    userId: fc.oneof(fc.constantFrom('ada@example.com', 'u-1', 'a b', ''), anything),
    subprocessor: fc.oneof(fc.constantFrom('vendor-a', 'x'.repeat(101)), anything),
    purpose: fc.oneof(fc.constantFrom('support'), anything),
    fields: fc.oneof(fc.array(fc.oneof(fc.constantFrom('user.name', 'user.contact.email'), anything), { maxLength: 4 }), anything),
    payload: anything,
    gpc: fc.oneof(fc.boolean(), anything),
    extra: anything,
  },
  { requiredKeys: [] },
);

describe(parseDecisionRequest.name, () => {
  it('finds problems at exactly the paths the DTO does', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (body) => {
        expect(parsedPaths(parseDecisionRequest, body)).toEqual(await dtoPaths(DecisionRequestDto, body));
      }),
      { numRuns: 2000 },
    );
  });

  it('passes a valid request through unchanged', () => {
    const body = { userId: 'ada@example.com', subprocessor: 'vendor-a', purpose: 'support', fields: ['user.name'], payload: { a: [1, { b: 2 }] }, gpc: true };
    expect(parseDecisionRequest(body)).toEqual(body);
  });

  it('names the field and the rule', () => {
    expect(() => parseDecisionRequest({ userId: 'a b', subprocessor: 'vendor-a', fields: ['ok', 3] })).toThrow(
      'Invalid request: userId: must be 1 to 128 letters, digits or . _ : @ + -; fields[1]: must be a string',
    );
  });
});

describe(parseDecisionBatch.name, () => {
  it('finds problems at exactly the paths the DTO does', async () => {
    // (Not an object for `requests`: class-validator would also check it as one request.)
    const notAList = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const batch = fc.record({ requests: fc.oneof(fc.array(request, { maxLength: 4 }), notAList), other: anything }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(batch, async (body) => {
        expect(parsedPaths(parseDecisionBatch, body)).toEqual(await dtoPaths(DecisionBatchDto, body));
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses more than 1,000 requests', () => {
    const requests = Array.from({ length: 1001 }, () => ({ userId: 'u', subprocessor: 'v' }));
    expect(() => parseDecisionBatch({ requests })).toThrow('requests: must contain no more than 1000 elements');
  });
});
