/**
 * Shapes of third-party internals that shop-otel relies on, in one place, so that an upgrade
 * that changes them is found here (and by the tests), not scattered through the code.
 */

/**
 * sdk-logs' LogRecordImpl keeps its body in `_body` and ignores the `body` setter once the record
 * is emitted (read-only). Redaction runs at export time, after that, so it writes `_body`.
 */
export interface LogRecordImplInternals {
  _body?: unknown;
}
