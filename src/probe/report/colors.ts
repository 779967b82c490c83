// The heatmap's colour scale: viridis (readable in light and dark themes and for colour-blind readers).
const STOPS: [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

/** The colour at t in [0, 1] (clamped), as #rrggbb. */
export function colorFor(t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const rgb = STOPS[i].map((c, k) => Math.round(c + (STOPS[i + 1][k] - c) * f));
  return '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
}

/** Black or white text, whichever reads better on the background. */
export function textColorOn(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.45 ? '#111111' : '#ffffff';
}

export function legendGradient(): string {
  return `linear-gradient(to right, ${STOPS.map((_, i) => colorFor(i / (STOPS.length - 1))).join(', ')})`;
}
