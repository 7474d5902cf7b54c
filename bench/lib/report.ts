/** Plain-text tables for the terminal (and for pasting into docs). */

export function table(headers: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const al = align ?? headers.map((_, i) => (i === 0 ? 'l' : 'r'));
  const line = (r: string[]) => '| ' + r.map((c, i) => (al[i] === 'l' ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (al[i] === 'l' ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(headers), sep, ...cells.map(line)].join('\n');
}

/** Numbers with a precision that suits their size. */
export function fmt(n: number | undefined, digits?: number): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  if (digits !== undefined) return n.toFixed(digits);
  const a = Math.abs(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

export function signed(n: number, digits = 2): string {
  if (Number.isNaN(n)) return '–';
  return (n >= 0 ? '+' : '') + n.toFixed(digits);
}

export function pctText(ratio: number): string {
  if (Number.isNaN(ratio)) return '–';
  return `${(ratio * 100).toFixed(1)}%`;
}
