/**
 * The entry of dist/bundle.js (scripts/bundle.mjs): everything the register starts, in one file.
 * `api` is the public API (dist/index.js returns it); the rest is for shop-otel's own entries.
 */
export * as api from './index';
export { shopDiag } from './diag';
