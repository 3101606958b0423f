/**
 * Generated runs per model property: 300 in npm test, more with MODEL_RUNS (npm run test:model runs
 * a nightly-sized batch).
 */
export function modelRuns(): number {
  const asked = Number(process.env.MODEL_RUNS ?? '');
  return Number.isInteger(asked) && asked > 0 ? asked : 300;
}
