// Formats of the identifiers a delivery carries.

/** ISRC (ISO 3901): country, registrant, year, designation: `CCXXXYYNNNNN`, no hyphens. */
export function isIsrc(value: string): boolean {
  return /^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$/.test(value);
}

/** UPC-A (12 digits) or EAN-13 with a valid GS1 check digit. */
export function isUpc(value: string): boolean {
  if (!/^[0-9]{12,13}$/.test(value)) return false;
  const digits = [...value].map(Number);
  const check = digits.pop()!;
  // Weights alternate 3, 1, … starting from the digit next to the check digit.
  const sum = digits.reverse().reduce((total, digit, i) => total + digit * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

/** A real calendar date written YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
