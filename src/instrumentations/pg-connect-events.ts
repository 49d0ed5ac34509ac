import { InstrumentationBase, InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import { emitEvent, errorType } from '../policy/emitter';
import { RateLimiter } from '../policy/rate';
import { VERSION } from '../version';

/**
 * A pool that cannot connect (PostgreSQL down, refusing, out of connections, a failed login) →
 * the policy's `db.connection.failed` (ERROR) from the client, on the request's trace.
 *
 * Why our own: the pg instrumentation makes no span for a failed connect with
 * `ignoreConnectSpans` (which we keep: a connect span per pooled query is noise, and costs a
 * span per request), and a query that never got a connection makes no query span either — so
 * during an outage the client saw nothing but its HTTP 5xx, and `ShopDbQueryFailures` rested on
 * PostgreSQL's own FATAL lines at shutdown. Wrapping `Pool.prototype.connect` (which
 * `pool.query()` calls too) costs one closure per connect and nothing on success. At most one
 * event per database and second, so an outage under load is a steady signal, not a flood.
 */
const VERSIONS = ['>=2 <4'];
type Callback = (err: unknown, client?: unknown, release?: unknown) => unknown;
type PoolOptions = { connectionString?: string; database?: string; host?: string; port?: number | string; user?: string };
type Pool = { options?: PoolOptions; connect(cb?: Callback): unknown };

/** Database, host and port as the pool will use them: explicit options, else its connection string, else the PG* environment. */
function target(o: PoolOptions): { db: string; host: string; port: number } {
  let url: URL | undefined;
  try {
    if (o.connectionString) url = new URL(o.connectionString);
  } catch {
    // not a URL (a keyword/value string): fall back to the options and the environment
  }
  const db = o.database ?? (url && decodeURIComponent(url.pathname.slice(1))) ?? process.env.PGDATABASE ?? o.user ?? 'unknown';
  const host = o.host ?? (url?.hostname || undefined) ?? process.env.PGHOST ?? 'localhost';
  const port = Number(o.port ?? (url?.port || undefined) ?? process.env.PGPORT ?? 5432);
  return { db: String(db || 'unknown'), host: String(host), port };
}

export class PgConnectEventsInstrumentation extends InstrumentationBase {
  private readonly limiter = new RateLimiter(1, 100);

  constructor(private readonly dbComponents: Record<string, string>) {
    super('shop-otel-pg-connect-events', VERSION, {});
  }

  private report(pool: Pool, error: unknown): void {
    try {
      const { db, host, port } = target(pool.options ?? {});
      if (!this.limiter.allow(db)) return;
      emitEvent(
        'db.connection.failed',
        { 'shop.component': Object.hasOwn(this.dbComponents, db) ? this.dbComponents[db] : `${db}-db`, 'db.system.name': 'postgresql', 'db.namespace': db, 'server.address': host, 'server.port': port, 'error.type': errorType(error) },
        { body: `connection to PostgreSQL ${host}:${port}/${db} failed: ${error instanceof Error ? error.message : String(error)}` },
      );
    } catch {
      // an observer never breaks the pool
    }
  }

  protected init() {
    const self = this;
    return new InstrumentationNodeModuleDefinition(
      'pg-pool',
      VERSIONS,
      (exports: { prototype: Pool }) => {
        const proto = exports?.prototype;
        if (!proto || typeof proto.connect !== 'function') return exports;
        if (isWrapped(proto.connect)) this._unwrap(proto, 'connect');
        this._wrap(proto, 'connect', (original: Pool['connect']) =>
          function connect(this: Pool, cb?: Callback) {
            if (typeof cb === 'function') {
              const pool = this;
              return original.call(this, function (this: unknown, err: unknown, client?: unknown, release?: unknown) {
                if (err) self.report(pool, err);
                return cb.call(this, err, client, release);
              });
            }
            const result = original.call(this);
            // A side branch: the caller's promise is returned unchanged and still rejects for it.
            if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(undefined, (err) => self.report(this, err));
            return result;
          },
        );
        return exports;
      },
      (exports?: { prototype: Pool }) => {
        // Upstream's pg instrumentation, disabled first, may have unwrapped it already (shimmer would print to the app's stderr).
        if (exports?.prototype && isWrapped(exports.prototype.connect)) this._unwrap(exports.prototype, 'connect');
      },
    );
  }
}
