import { afterAll, beforeAll, vi } from 'vitest';

/**
 * What the test file writes to stderr (shop-otel's diagnostics), captured instead of printed, for
 * the whole file: one array, emptied with `lines.length = 0` where a test needs only its own.
 */
export function captureStderr(): string[] {
  const lines: string[] = [];
  beforeAll(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
  });
  afterAll(() => vi.restoreAllMocks());
  return lines;
}
