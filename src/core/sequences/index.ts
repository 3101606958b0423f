export * from './catalog.js';
export * from './compare.js';
export * from './plan.js';
export * from './report.js';
