import { projectGraph } from '../../src/graph/graph.projection';
import { FULL, QUICK, storedOf, syntheticManifest } from '../graph.bench';
import type { InProcessWorkload } from './types';

/** `projectGraph` of the whole synthetic map (bench/graph.bench.ts), one projection per step. */
export const workload: InProcessWorkload = {
  kind: 'in-process',
  description: 'graph: projectGraph of the whole 1,000-subprocessor synthetic map (bench/graph.bench.ts), one per step',
  async prepare(quick) {
    const stored = storedOf(syntheticManifest(quick ? QUICK : FULL));
    return { step: () => projectGraph(stored, { excluded: false, purposes: false }).edges.length, close: async () => undefined };
  },
};
