/** Credit codes (统一社会信用代码) for test enterprises: 18 characters that satisfy the table's
 * check (2 + 6 digits + 10), numbered within a series so that builders of different tests never
 * meet — the land tests' (…X), the analysis scenarios' (MA…) and the per-mu tests' (MB…). */
export function creditCode(n: number, series: 'X' | 'MA' | 'MB' = 'X'): string {
  return series === 'X' ? `91410300${String(n).padStart(9, '0')}X` : `91410300${series}${String(n).padStart(8, '0')}`
}
