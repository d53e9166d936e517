/** Reading a year's figures table as the tax bureau (税务局) or the statistics bureau (统计局) sends
 * it: CSV (UTF-8 or GBK) or XLSX, Chinese headers, amounts in 万元 or 元. Nothing here touches the
 * database: the result is rows with the columns the table had, and every problem with its row
 * and column, so that the route can report them all before anything is written. */
import ExcelJS from 'exceljs'
import { parse } from 'csv-parse/sync'
import iconv from 'iconv-lite'
import { csvDelimiter, decideCsvEncoding } from '../../ingest/table'
import { CREDIT_CODE_PATTERN, FIGURE_COLUMNS, type FigureColumn, type Figures } from '../../schemas/enterprise'

export type TableField = FigureColumn | 'credit_code' | 'name'

export interface TableProblem { row: number | null; column: string | null; message: string }

export interface FiguresTable {
  /** The header cell each field was read from. */
  columns: Partial<Record<TableField, string>>
  /** Header cells that match no field, and were not read. */
  ignored: string[]
  /** Data rows read (not counting blank lines and totals). */
  dataRows: number
  rows: { row: number; creditCode: string; name: string | null; values: Partial<Figures> }[]
  problems: TableProblem[]
}

/** Header names seen in bureau tables, normalised (NFKC, lower case, no spaces, no unit in brackets). */
const SYNONYMS: Record<TableField, string[]> = {
  credit_code: ['统一社会信用代码', '社会信用代码', '信用代码', '纳税人识别号', '统一代码', 'credit_code', 'creditcode'],
  name: ['企业名称', '纳税人名称', '单位名称', '单位详细名称', '名称', 'name'],
  tax_paid_wan: ['年纳税合计', '纳税合计', '纳税总额', '税收合计', '实缴税金', '实缴税收', '入库税收', '税收', 'tax_paid_wan', 'tax'],
  tax_refund_wan: ['退税及减免', '退税减免', '减免退税', '退税额', '减免税额', '退税', 'tax_refund_wan'],
  output_wan: ['工业总产值', '总产值', '产值', 'output_wan', 'output'],
  value_added_wan: ['工业增加值', '增加值', 'value_added_wan'],
  energy_tce: ['综合能源消费量', '综合能耗', '能耗', 'energy_tce'],
  employment: ['从业人员', '从业人员数', '从业人数', '职工人数', '年末从业人员', 'employment'],
  profit_wan: ['利润总额', '营业利润', '利润', 'profit_wan'],
  rating: ['企业分类综合评价', '综合评价等级', '评价等级', '分类等级', '等级', 'rating'],
}

const normalise = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, '')
/** A header without its unit: 纳税合计（万元） → 纳税合计. */
const bare = (s: string) => normalise(s).replace(/\([^)]*\)$/, '').replace(/[:：]$/, '')

function fieldOf(header: string): TableField | null {
  const h = bare(header)
  for (const [field, names] of Object.entries(SYNONYMS) as [TableField, string[]][]) {
    if (names.includes(h)) return field
  }
  return null
}

/** The factor from the header's unit to the column's unit (万元, tonnes of coal equivalent). */
function unitFactor(header: string): number {
  const h = normalise(header)
  if (/万吨/.test(h)) return 10_000
  if (/亿元/.test(h)) return 10_000
  if (/万元/.test(h)) return 1
  if (/千元/.test(h)) return 0.1
  if (/\(元\)|（元）|\/元|单位:元/.test(h) || /元\)$/.test(h)) return 0.0001
  return 1
}

// ---------------------------------------------------------------- reading cells

/** The rows of a CSV (RFC 4180: quotes, doubled quotes, CRLF) or tab-separated text, read by
 * csv-parse with the delimiter the upload's tables use (the commonest of comma, tab and semicolon
 * in the first line). Blank lines stay rows, so that a row's index is its line in the file. */
export function parseCsv(text: string): string[][] {
  return parse(text, { delimiter: csvDelimiter(text), relax_column_count: true, relax_quotes: true }) as string[][]
}

/** A CSV's text in the encoding the upload of a table would read it in (server/ingest: UTF-8 when
 * its bytes are valid UTF-8, else GBK, what Excel on a Chinese Windows saves), without a BOM. */
function decodeCsv(bytes: Buffer): string {
  return iconv.decode(bytes, decideCsvEncoding(bytes, undefined).encoding).replace(/^\uFEFF/, '')
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  if (typeof v === 'string') return v
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  if ('result' in v) return cellText(v.result as ExcelJS.CellValue)
  if ('richText' in v) return v.richText.map((r) => r.text).join('')
  if ('text' in v) return String(v.text)
  return ''
}

async function readXlsx(bytes: Buffer): Promise<string[][]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(bytes as unknown as ArrayBuffer)
  const ws = wb.worksheets[0]
  if (!ws) return []
  const rows: string[][] = []
  ws.eachRow({ includeEmpty: true }, (r, n) => {
    const cells: string[] = []
    r.eachCell({ includeEmpty: true }, (c, col) => { cells[col - 1] = cellText(c.value) })
    rows[n - 1] = Array.from(cells, (c) => c ?? '')
  })
  return Array.from(rows, (r) => r ?? [])
}

const XLSX_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]) // a zip: .xlsx

export async function readGrid(bytes: Buffer): Promise<string[][]> {
  return bytes.subarray(0, 4).equals(XLSX_MAGIC) ? readXlsx(bytes) : parseCsv(decodeCsv(bytes))
}

// ---------------------------------------------------------------- the table

function parseNumber(raw: string): number | null | 'bad' {
  const s = raw.normalize('NFKC').trim().replace(/[,，\s]/g, '')
  if (s === '' || s === '-' || s === '—' || s === '/') return null
  const n = Number(s)
  return Number.isFinite(n) ? n : 'bad'
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits

export function readFiguresTable(grid: string[][]): FiguresTable {
  const table: FiguresTable = { columns: {}, ignored: [], dataRows: 0, rows: [], problems: [] }
  // Bureau tables often open with a title and a unit line: the header is the first row naming a credit code.
  const headerAt = grid.slice(0, 10).findIndex((r) => r.some((c) => fieldOf(c) === 'credit_code'))
  if (headerAt < 0) {
    table.problems.push({ row: null, column: null, message: '表头中没有"统一社会信用代码"列 / no column of credit codes (统一社会信用代码) in the first 10 rows' })
    return table
  }
  const header = grid[headerAt]!
  const at = new Map<TableField, number>()
  header.forEach((h, i) => {
    if (!h.trim()) return
    const f = fieldOf(h)
    if (!f) { table.ignored.push(h.trim()); return }
    if (at.has(f)) {
      table.problems.push({ row: headerAt + 1, column: h, message: `"${h}" 与 "${header[at.get(f)!]}" 是同一项 / two columns for ${f}` })
      return
    }
    at.set(f, i)
    table.columns[f] = h.trim()
  })
  const figureFields = FIGURE_COLUMNS.filter((f) => at.has(f))
  if (figureFields.length === 0) {
    table.problems.push({ row: headerAt + 1, column: null, message: '没有可导入的数据列（纳税、产值、能耗…）/ no figure columns (tax, output, energy…)' })
    return table
  }
  const seen = new Map<string, number>()
  for (let r = headerAt + 1; r < grid.length; r++) {
    const cells = grid[r]!
    if (cells.every((c) => !c.trim())) continue
    const rowNo = r + 1
    const code = (cells[at.get('credit_code')!] ?? '').normalize('NFKC').trim().toUpperCase()
    // totals and notes at the foot of a table carry no credit code
    if (!/\d/.test(code) && /合计|总计|小计|说明|注/.test(cells.join(''))) continue
    table.dataRows++
    const problem = (column: TableField, message: string) => table.problems.push({ row: rowNo, column: table.columns[column] ?? column, message })
    if (!new RegExp(CREDIT_CODE_PATTERN).test(code)) {
      problem('credit_code', `"${code}" 不是有效的统一社会信用代码 / not a valid credit code`)
      continue
    }
    if (seen.has(code)) {
      problem('credit_code', `${code} 与第 ${seen.get(code)} 行重复 / ${code} appears again (row ${seen.get(code)})`)
      continue
    }
    seen.set(code, rowNo)
    const values: Partial<Figures> = {}
    let ok = true
    for (const f of figureFields) {
      const raw = cells[at.get(f)!] ?? ''
      if (f === 'rating') {
        const m = /^\s*([ABCDabcd])\s*类?\s*$/.exec(raw.normalize('NFKC'))
        if (raw.trim() && !m) { problem(f, `评价等级应为 A/B/C/D，而不是 "${raw}" / rating must be A, B, C or D`); ok = false; continue }
        values.rating = m ? (m[1]!.toUpperCase() as 'A' | 'B' | 'C' | 'D') : null
        continue
      }
      const n = parseNumber(raw)
      if (n === 'bad') { problem(f, `"${raw}" 不是数字 / not a number`); ok = false; continue }
      if (n === null) {
        // tax columns are NOT NULL: an empty cell is no tax; the other figures stay unknown
        values[f] = (f === 'tax_paid_wan' || f === 'tax_refund_wan' ? 0 : null) as never
        continue
      }
      if (f === 'employment') {
        if (!Number.isInteger(n) || n < 0) { problem(f, `从业人员应为非负整数 / employment must be a whole number ≥ 0`); ok = false; continue }
        values.employment = n
        continue
      }
      const v = round(n * unitFactor(table.columns[f]!), 2)
      if (f === 'tax_refund_wan' && v < 0) { problem(f, '退税额不能为负 / refunds are counted as a positive amount'); ok = false; continue }
      if (Math.abs(v) >= 1e12) { problem(f, `数值过大 / too large: ${raw}`); ok = false; continue }
      values[f] = v as never
    }
    if (ok) {
      const name = at.has('name') ? (cells[at.get('name')!] ?? '').trim() || null : null
      table.rows.push({ row: rowNo, creditCode: code, name, values })
    }
  }
  if (table.rows.length === 0 && table.problems.length === 0) {
    table.problems.push({ row: null, column: null, message: '表中没有数据行 / the table has no rows' })
  }
  return table
}

/** Names are compared as people type them: full-width or half-width, spaces or none. */
export const sameName = (a: string, b: string) => normalise(a) === normalise(b)
