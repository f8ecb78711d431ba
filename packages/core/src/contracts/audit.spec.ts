import fc from 'fast-check';
import { KEY_PATTERN } from '../vocabulary.js';
import { callFieldsOf, fieldsOfCall } from './audit.js';

describe(callFieldsOf.name, () => {
  const key = fc.stringMatching(KEY_PATTERN).filter((k) => k.length > 0 && k.length < 40);

  it('names the same set of field keys whatever their order, and reads back to it', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 6 }), (keys) => {
        const field = callFieldsOf(keys);
        expect(field).toBe(callFieldsOf([...keys].reverse()));
        expect(fieldsOfCall(field)).toEqual([...keys].sort());
      }),
    );
  });

  it('writes - for a call that carried no field', () => {
    expect(callFieldsOf([])).toBe('-');
    expect(fieldsOfCall('-')).toEqual([]);
  });
});
