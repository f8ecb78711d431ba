/** `@flowgate/egress/internal`: for the benches and tests. Not a stable API. */
export { EgressEngine } from './engine.js';
export { describeRequest } from './http-hook.js';
