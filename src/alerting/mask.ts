/**
 * Phone numbers are personal data: logs show a masked form only (country code and the last two
 * digits, e.g. +49•••••••78), enough to tell recipients apart, not to call anyone.
 */
export function maskPhone(number: string): string {
  const digits = number.replace(/[^\d+]/g, '');
  if (digits.length <= 4) return '•'.repeat(digits.length);
  const head = digits.startsWith('+') ? digits.slice(0, 3) : '';
  const tail = digits.slice(-2);
  return `${head}${'•'.repeat(Math.max(1, digits.length - head.length - tail.length))}${tail}`;
}

/** Every phone number inside a text (a gateway's error message may echo one), masked. */
export function maskPhonesIn(text: string): string {
  return text.replace(/\+?\d[\d ().-]{6,}\d/g, (m) => maskPhone(m));
}
