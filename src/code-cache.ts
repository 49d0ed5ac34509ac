import { lstatSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where the V8 code cache of dist/bundle.js lives (bundle-load.ts): one file per shop-otel
 * version, bundle content, Node version and architecture, in a directory of the user's own.
 *
 * Written by hand rather than with `module.enableCompileCache()`: that one is process-wide and
 * would also cache the app's own modules (a side effect on the app, and an unfair comparison with
 * the bare app); nothing else caches a single file's compilation.
 *
 * The directory is `$XDG_CACHE_HOME/shop-otel`, else `<tmpdir>/shop-otel-<uid>`. A cache is code
 * the process runs, so a directory that is a symbolic link, not ours, or writable by others is
 * not used (in a shared /tmp another user could have made it first). Every failure here is
 * silent to the app: the caller gets undefined or false and a reason for a debug line.
 */
export interface CodeCacheFile {
  file: string;
  /** The cached data, when there is a cache for this key. */
  read(): Buffer | undefined;
  /** Write atomically (temporary file, then rename); false when it could not. */
  write(data: Buffer): boolean;
}

export function codeCacheFile(version: string, contentKey: string, note: (why: string) => void): CodeCacheFile | undefined {
  const dir = cacheDir(note);
  if (dir === undefined) return undefined;
  const safe = `${version}-${contentKey}-${process.version}-${process.arch}`.replace(/[^\w.-]/g, '_');
  const file = path.join(dir, `bundle-${safe}.v8cache`);
  return {
    file,
    read() {
      try {
        return readFileSync(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') note(`code cache ${file} unreadable: ${(e as Error).message}`);
        return undefined;
      }
    },
    write(data) {
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, data, { mode: 0o600 });
        renameSync(tmp, file);
        return true;
      } catch (e) {
        note(`code cache ${file} not written: ${(e as Error).message}`);
        try {
          unlinkSync(tmp);
        } catch {
          // never created
        }
        return false;
      }
    },
  };
}

function cacheDir(note: (why: string) => void): string | undefined {
  try {
    const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
    const xdg = process.env.XDG_CACHE_HOME;
    const dir = xdg && path.isAbsolute(xdg) ? path.join(xdg, 'shop-otel') : path.join(os.tmpdir(), `shop-otel-${uid ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
      note(`code cache directory ${dir} not used: not a directory of this user's own, or writable by others`);
      return undefined;
    }
    return dir;
  } catch (e) {
    note(`no code cache directory: ${(e as Error).message}`);
    return undefined;
  }
}
