// Percentiles, a printed row and a paced sender, shared by the benchmark scripts.
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { n: sorted.length, p50: at(50), p99: at(99), max: sorted[sorted.length - 1] };
}

export function row(label, s, unit = 'ms') {
  const f = (v) => v.toFixed(3).padStart(9);
  return `${label.padEnd(44)} n=${String(s.n).padStart(6)}  p50 ${f(s.p50)} ${unit}  p99 ${f(s.p99)} ${unit}  max ${f(s.max)} ${unit}`;
}

/** Sends `count` messages at `rate` msg/s (catching up on timer lateness), calling send(String(now)). */
export function pacedSend(count, rate, send) {
  return new Promise((resolve) => {
    const start = performance.now();
    let sent = 0;
    const timer = setInterval(() => {
      const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000));
      while (sent < due) {
        send(String(performance.now()));
        sent++;
      }
      if (sent >= count) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
}
