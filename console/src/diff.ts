/** A line diff (longest common subsequence) of two texts, for the reviewer of a rule change. */
export type DiffLine = { readonly kind: 'same' | 'added' | 'removed'; readonly text: string; readonly oldLine?: number; readonly newLine?: number };

/** Files are a few hundred lines: the O(n·m) table stays small; beyond the bound, a plain replace. */
const MAX_CELLS = 4_000_000;

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length * b.length > MAX_CELLS) {
    return [...a.map((text, i) => ({ kind: 'removed' as const, text, oldLine: i + 1 })), ...b.map((text, i) => ({ kind: 'added' as const, text, newLine: i + 1 }))];
  }
  // lcs[i][j]: the common lines of a[i..] and b[j..]
  const lcs: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ kind: 'same', text: a[i], oldLine: i + 1, newLine: j + 1 });
      i += 1;
      j += 1;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // Removed lines before added ones, as a reviewer reads a replacement.
      lines.push({ kind: 'removed', text: a[i], oldLine: i + 1 });
      i += 1;
    } else {
      lines.push({ kind: 'added', text: b[j], newLine: j + 1 });
      j += 1;
    }
  }
  return lines;
}

/** The changed lines with `context` unchanged lines around each change; gaps marked by null. */
export function hunks(lines: readonly DiffLine[], context = 3): (DiffLine | null)[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, index) => {
    if (line.kind === 'same') return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k += 1) keep[k] = true;
  });
  const out: (DiffLine | null)[] = [];
  lines.forEach((line, index) => {
    if (keep[index]) out.push(line);
    else if (out.length > 0 && out[out.length - 1] !== null) out.push(null);
  });
  if (out[out.length - 1] === null) out.pop();
  return out;
}
