/** A report's tables as an XLSX workbook a county office can print: 说明 (what it was generated
 * from) first, then every table with its header row repeated on each A4 landscape page. */
import ExcelJS from 'exceljs'
import type { Table, ReportTables } from './tables'
import { toCsv } from './csv'

function printable(ws: ExcelJS.Worksheet, title: string): void {
  ws.pageSetup = {
    paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1',
    margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
  }
  ws.headerFooter = { oddHeader: `&C&B${title}`, oddFooter: '&L打印日期 &D&R第 &P 页 / 共 &N 页' }
}

function addTable(wb: ExcelJS.Workbook, t: Table, title: string): void {
  const ws = wb.addWorksheet(t.name)
  ws.columns = t.columns.map((c, i) => ({ header: c.header, key: `c${i}`, width: c.width ?? 14, style: c.numFmt ? { numFmt: c.numFmt } : {} }))
  const head = ws.getRow(1)
  head.font = { bold: true }
  head.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true }
  head.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } }
    c.border = { bottom: { style: 'thin' } }
  })
  for (const row of t.rows) {
    ws.addRow(Object.fromEntries(t.columns.map((c, i) => [`c${i}`, c.get(row) ?? null])))
  }
  ws.views = [{ state: 'frozen', ySplit: 1 }]
  printable(ws, `${title} ${t.name}`)
}

export async function reportWorkbook(t: ReportTables): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'OneMap'
  wb.title = t.title
  const meta = wb.addWorksheet('说明')
  meta.columns = [{ header: '项目', key: 'k', width: 36 }, { header: t.title, key: 'v', width: 100 }]
  meta.getRow(1).font = { bold: true }
  for (const [k, v] of t.meta) meta.addRow({ k, v: v ?? '' })
  meta.eachRow((r, n) => { if (n > 1) r.alignment = { vertical: 'top', wrapText: true } })
  printable(meta, t.title)
  for (const table of [t.main, ...t.others]) addTable(wb, table, t.title)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** The main table as CSV (RFC 4180, UTF-8 with BOM). */
export function reportCsv(t: ReportTables): string {
  return toCsv(t.main.columns.map((c) => c.header), t.main.rows.map((r) => t.main.columns.map((c) => c.get(r))))
}
