import { shopDiag } from '../diag';

/**
 * What a business ID may look like: 1..maxLength characters of letters, digits and `._:-`,
 * starting with a letter or digit. Numbers (JSON `"customerId": 42`) are taken as their decimal
 * text. Anything else (objects, empty strings, spaces, quotes, control characters, baggage
 * delimiters, oversized values) is dropped here, with a debug line, and never propagated.
 */
const ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export function normalizeId(value: unknown, maxLength: number, source: string): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) text = String(value);
  else if (value instanceof Uint8Array && value.length <= maxLength) text = Buffer.from(value).toString('utf8');
  else {
    if (value !== undefined && value !== null) shopDiag.debug(`business ID from ${source} dropped: unsupported type ${typeof value}`);
    return undefined;
  }
  if (text.length === 0 || text.length > maxLength || !ID_SHAPE.test(text)) {
    shopDiag.debug(`business ID from ${source} dropped: ${text.length > maxLength ? `longer than ${maxLength} characters` : 'malformed'}`);
    return undefined;
  }
  return text;
}
