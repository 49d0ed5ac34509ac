import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';

/**
 * The distribution's own diagnostic channel. Every message shop-otel prints about itself goes
 * through here: one prefix, one level (from OTEL_LOG_LEVEL, default INFO for our own lines),
 * stderr only, and never a throw — a diagnostic must not hurt the app it describes.
 */
const PREFIX = 'shop-otel:';

let level: DiagLogLevel = DiagLogLevel.INFO;

function write(line: string): void {
  try {
    process.stderr.write(`${PREFIX} ${line}\n`);
  } catch {
    // stderr closed: nothing sensible left to do.
  }
}

function format(message: string, args: unknown[]): string {
  if (args.length === 0) return message;
  const rest = args.map((a) => {
    if (a instanceof Error) return a.message;
    if (typeof a === 'string') return a;
    try {
      return JSON.stringify(a);
    } catch {
      return String(a);
    }
  });
  return `${message} ${rest.join(' ')}`;
}

export const shopDiag: DiagLogger = {
  error: (m, ...a) => level >= DiagLogLevel.ERROR && write(`error: ${format(m, a)}`),
  warn: (m, ...a) => level >= DiagLogLevel.WARN && write(`warn: ${format(m, a)}`),
  info: (m, ...a) => level >= DiagLogLevel.INFO && write(format(m, a)),
  debug: (m, ...a) => level >= DiagLogLevel.DEBUG && write(`debug: ${format(m, a)}`),
  verbose: (m, ...a) => level >= DiagLogLevel.VERBOSE && write(`verbose: ${format(m, a)}`),
};

export function setShopDiagLevel(next: DiagLogLevel): void {
  level = next;
}

export function shopDiagLevel(): DiagLogLevel {
  return level;
}

/**
 * The OpenTelemetry SDK's own diagnostics go to the same stderr channel. Its INFO lines are
 * chatty, so unless OTEL_LOG_LEVEL asks for more, only its warnings and errors are shown.
 */
let sdkMuted = false;

/**
 * Run `fn` with the SDK's diagnostics silenced: the exit flush serialises records whose resource
 * may still await its asynchronous attributes (host.id), and the SDK says so once per access —
 * noise in a crash's stderr, which must stay the app's own.
 */
export function withSdkDiagMuted<T>(fn: () => T): T {
  sdkMuted = true;
  try {
    return fn();
  } finally {
    sdkMuted = false;
  }
}

export function installSdkDiag(sdkLevel: DiagLogLevel): void {
  const sdkWrite = (line: string) => sdkMuted || write(line);
  diag.setLogger(
    {
      error: (m, ...a) => sdkWrite(`otel error: ${format(m, a)}`),
      warn: (m, ...a) => sdkWrite(`otel warn: ${format(m, a)}`),
      info: (m, ...a) => sdkWrite(`otel: ${format(m, a)}`),
      debug: (m, ...a) => sdkWrite(`otel debug: ${format(m, a)}`),
      verbose: (m, ...a) => sdkWrite(`otel verbose: ${format(m, a)}`),
    },
    { logLevel: sdkLevel, suppressOverrideMessage: true },
  );
}
