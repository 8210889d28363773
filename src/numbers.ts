/** The number typed into an input, or undefined when the input is empty or not a number yet. */
export function parseOptionalNumber(text: string): number | undefined {
  if (text.trim() === '') {
    return undefined;
  }
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** A fraction shown as a percentage, without binary noise (0.07 → 7, not 7.000000000000001). */
export function fractionToPercent(fraction: number): number {
  return Number((fraction * 100).toPrecision(12));
}

export function percentToFraction(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}
