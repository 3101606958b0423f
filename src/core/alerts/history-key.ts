/** The alert-state key of a source's sample history: no metric is called `history`, so it never collides. */
export function historyKey(source: string): string {
  return `${source}#-#history`;
}
