/**
 * NAB's scaled sigmoid of a relative position: -1 is a window's left edge (≈ +0.987), 0 its
 * right edge (0), positive values lie after the window and fall towards -1; from 3 on it is -1.
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** The value at a window's left edge, used to scale true positives so the earliest counts 1. */
export const MAX_TP = scaledSigmoid(-1);
