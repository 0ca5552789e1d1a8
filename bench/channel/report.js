// The table bench:channel prints: each figure beside its reference and its target, with a verdict.

/** One row. `ok` null: a figure without a target (for information). */
export const row = (part, measure, figure, reference, target, ok) => ({ part, measure, figure, reference: reference ?? '—', target: target ?? '—', ok });

/** Said beside a figure when sockets had to be opened again (an overloaded server cuts slow handshakes). */
export const reopened = (n) => (n > 0 ? `; ${n} sockets opened again` : '');

export const fmt = {
  s: (v) => `${v.toFixed(2)} s`,
  cpu: (v) => `${v.toFixed(2)} CPU-s`,
  pct: (v) => `${v.toFixed(1)} % of a core`,
  ms: (v) => `${v.toFixed(1)} ms`,
  n: (v) => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1)),
  ratio: (v) => `${v.toFixed(3)}x`,
  rate: (v) => `${Math.round(v).toLocaleString('en-US')}/s`,
};

export function printTable(rows, heading) {
  const header = ['part', 'measure', 'channel-link', 'beside it', 'target', 'verdict'];
  const cells = rows.map((r) => [r.part, r.measure, r.figure, r.reference, r.target, r.ok === null ? '—' : r.ok ? 'ok' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c) => `| ${c.map((x, i) => String(x).padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${heading}\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
  const missed = rows.filter((r) => r.ok === false).length;
  console.log(missed === 0 ? '\nevery target met' : `\n${missed} target(s) MISSED`);
}
