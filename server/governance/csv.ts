/** CSV as RFC 4180 writes it: fields separated by commas, records ended by CRLF, a field quoted
 * when it holds a comma, a double quote, CR or LF, and a double quote inside doubled.
 *
 * UTF-8 with a byte-order mark: Excel on a Chinese Windows opens a CSV without a BOM in the ANSI
 * code page (GBK/CP936) and shows UTF-8 Chinese as mojibake; the BOM (EF BB BF) is how Excel
 * recognises UTF-8. Other readers (Python csv with utf-8-sig, LibreOffice, pandas) skip it. */

export type Cell = string | number | boolean | null | undefined

export const BOM = '\uFEFF'

export function csvField(v: Cell): string {
  if (v === null || v === undefined) return ''
  const s = typeof v === 'boolean' ? (v ? '是' : '否') : String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A header row and data rows as one CSV document, BOM first. */
export function toCsv(header: string[], rows: Cell[][]): string {
  return BOM + [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'
}

/** Parses RFC 4180 CSV (BOM allowed): for tests and for reading exports back. */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith(BOM) ? text.slice(1) : text
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(field); rows.push(row); row = []; field = ''; i++
    } else field += c
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row) }
  return rows
}
