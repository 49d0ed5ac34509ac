import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A PostgreSQL server of a test's own (Debian's binaries, initdb + pg_ctl as user postgres, a temp
 * dir, an ephemeral port), for tests that stop it: the shared server on 5432 stays up for the
 * other test files. Same server-log settings as scripts/services.sh (jsonlog the collector reads),
 * role shop/shop and the databases shop and mes.
 */
export interface PrivatePostgres {
  port: number;
  /** The jsonlog file (SHOP_OTEL_POSTGRESQL_LOG for the collector). */
  logFile: string;
  url(db: string): string;
  start(): void;
  stop(): void;
}

const BIN = (() => {
  const versions = execFileSync('ls', ['/usr/lib/postgresql'], { encoding: 'utf8' }).split('\n').filter(Boolean).sort((a, b) => Number(a) - Number(b));
  return `/usr/lib/postgresql/${versions.pop()}/bin`;
})();

const asPostgres = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });

export function createPrivatePostgres(dir: string, port: number): PrivatePostgres {
  mkdirSync(dir, { recursive: true });
  chmodSync(path.dirname(dir), 0o755);
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const logDir = path.join(dir, 'log');
  execFileSync('install', ['-d', '-o', 'postgres', '-g', 'postgres', '-m', '0755', logDir]);
  asPostgres(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=md5', '--no-sync']);
  writeFileSync(path.join(data, 'postgresql.auto.conf'), [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    'fsync = off',
    'max_connections = 100',
    'logging_collector = on',
    "log_destination = 'stderr,jsonlog'",
    `log_directory = '${logDir}'`,
    "log_filename = 'postgresql.log'",
    'log_file_mode = 0644',
    'log_min_duration_statement = 200',
    'log_min_error_statement = error',
    'log_connections = on',
    '',
  ].join('\n'));
  execFileSync('chown', ['postgres:postgres', path.join(data, 'postgresql.auto.conf')]);
  // Local socket connections as the superuser without a password; TCP needs one (md5).
  writeFileSync(path.join(data, 'pg_hba.conf'), 'local all postgres trust\nhost all all 127.0.0.1/32 md5\n');
  const pg: PrivatePostgres = {
    port,
    logFile: path.join(logDir, 'postgresql.json'),
    url: (db) => `postgres://shop:shop@127.0.0.1:${port}/${db}`,
    start: () => { asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-l', path.join(dir, 'server.out'), '-w', '-t', '30', 'start']); },
    stop: () => { try { asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-m', 'fast', '-w', 'stop']); } catch { /* not running */ } },
  };
  pg.start();
  const psql = (sql: string) => asPostgres(`${BIN}/psql`, ['-h', dir, '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql]);
  psql("CREATE ROLE shop LOGIN CREATEDB PASSWORD 'shop'");
  psql('CREATE DATABASE shop OWNER shop');
  psql('CREATE DATABASE mes OWNER shop');
  return pg;
}
