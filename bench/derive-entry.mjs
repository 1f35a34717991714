// What bench/run.mjs bundles: the derivation, and the quarantine's plan for its second pass.
export { derivePackument, timesOf } from '../src/packages/derive.ts';
export { planVisibility } from '../src/policy/visibility.ts';
