// Percentiles and a printed row, shared by the benchmark scripts.
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { n: sorted.length, p50: at(50), p99: at(99), max: sorted[sorted.length - 1] };
}

export function row(label, s, unit = 'ms') {
  const f = (v) => v.toFixed(3).padStart(9);
  return `${label.padEnd(44)} n=${String(s.n).padStart(6)}  p50 ${f(s.p50)} ${unit}  p99 ${f(s.p99)} ${unit}  max ${f(s.max)} ${unit}`;
}
