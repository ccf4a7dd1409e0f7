/** "Did you mean" for a misspelt id or key in a policy file. */

/** ` (did you mean "x"?)` for a close known word, else ''. */
export function suggestion(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const threshold = Math.max(2, Math.floor(word.length / 3));
  if (best !== undefined && bestDistance <= threshold) return ` (did you mean "${best}"?)`;
  // A prefix or part of a known id ("tax-division" for "taxation-division").
  const partial = candidates.find((candidate) => word.length >= 3 && (candidate.includes(word) || word.includes(candidate)));
  return partial ? ` (did you mean "${partial}"?)` : '';
}

function levenshtein(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}
