/**
 * `node --require shop-otel/register app.js`: start telemetry before the app's first require.
 * (ESM apps: use `--import shop-otel/register`, which also installs the ESM loader hook.)
 */
import { start } from './sdk';

start();
