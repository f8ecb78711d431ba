import type { Region } from '@flowgate/core';
import type {
  ManifestField,
  ManifestFlow,
  ManifestPurpose,
  ManifestSubprocessor,
} from '../manifest/manifest.types';

export interface FieldResponse extends ManifestField {
  /** Flows that send this field. */
  sentBy: string[];
}

export type PurposeResponse = ManifestPurpose;

export interface SubprocessorResponse extends ManifestSubprocessor {
  region: Region;
}

export interface FlowResponse extends ManifestFlow {
  key: string;
  excludedFields: string[];
  version: number;
  region: Region;
  updatedAt: string;
}
