import { DomainError, type Problem } from '../common/domain-error';

export type DataMapErrorCode =
  | 'FIELD_NOT_FOUND'
  | 'PURPOSE_NOT_FOUND'
  | 'SUBPROCESSOR_NOT_FOUND'
  | 'FLOW_NOT_FOUND'
  | 'DUPLICATE_KEY'
  | 'FIELD_IN_USE'
  | 'PURPOSE_IN_USE'
  | 'SUBPROCESSOR_IN_USE'
  | 'INVALID_DATA_MAP'
  | 'INVALID_MANIFEST';

export class DataMapError extends DomainError<DataMapErrorCode> {
  constructor(code: DataMapErrorCode, message: string, details?: Problem[]) {
    super(code, message, details);
  }
}

export type DataMapKind = 'field' | 'purpose' | 'subprocessor' | 'flow';

const NOT_FOUND: Record<DataMapKind, DataMapErrorCode> = {
  field: 'FIELD_NOT_FOUND',
  purpose: 'PURPOSE_NOT_FOUND',
  subprocessor: 'SUBPROCESSOR_NOT_FOUND',
  flow: 'FLOW_NOT_FOUND',
};

export function notFound(kind: DataMapKind, key: string): DataMapError {
  return new DataMapError(NOT_FOUND[kind], `No ${kind} with key "${key}"`, [{ path: 'key', message: `no ${kind} "${key}"` }]);
}

export function duplicateKey(kind: DataMapKind, key: string): DataMapError {
  return new DataMapError('DUPLICATE_KEY', `A ${kind} with key "${key}" already exists`, [
    { path: 'key', message: `a ${kind} "${key}" already exists` },
  ]);
}

const IN_USE: Record<Exclude<DataMapKind, 'flow'>, DataMapErrorCode> = {
  field: 'FIELD_IN_USE',
  purpose: 'PURPOSE_IN_USE',
  subprocessor: 'SUBPROCESSOR_IN_USE',
};

export function inUse(kind: Exclude<DataMapKind, 'flow'>, key: string, flows: string[]): DataMapError {
  return new DataMapError(
    IN_USE[kind],
    `The ${kind} "${key}" is still used by ${flows.length === 1 ? 'flow' : 'flows'} ${flows
      .map((f) => `"${f}"`)
      .join(', ')}; change or delete ${flows.length === 1 ? 'it' : 'them'} first`,
    flows.map((flow) => ({ path: flow, message: `uses the ${kind} "${key}"` })),
  );
}
