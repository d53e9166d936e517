/** What no public answer may contain (DOMAIN.md "Governance": enterprise tax, output and personal
 * data are never published; 001: price is sensitive): the key names, and a scan of every key and
 * value of a JSON document, a CSV, an XLSX workbook or a vector tile against them and against
 * known sensitive values. Used by the tests of every public response. */
import ExcelJS from 'exceljs'
import { decodeTile } from '../tiles/decode'

/** Keys that name tax, output, price, profit, ratings or personal data, beyond sensitive_keys(). */
export const SENSITIVE_KEYS = [
  'price_wan', 'tax_paid_wan', 'tax_refund_wan', 'tax_wan', 'output_wan', 'value_added_wan', 'energy_tce', 'employment',
  'profit_wan', 'rating', 'tax_per_mu', 'output_per_mu', 'output_intensity', 'attainment', 'per_mu_tax',
  'legal_person', 'contact_phone', 'credit_code', 'land_user_code', 'land_user', 'land_user_name', 'generated_by',
  'username', 'display_name', 'password_hash', 'actor', 'recorded_by', 'set_by', 'uploaded_by',
]
/** Any key matching this is suspect whatever its exact spelling. */
export const SENSITIVE_KEY_PATTERN = /tax|output|price|profit|rating|employ|energy|value_added|legal|phone|credit|person|user|actor|税|产值|价款|利润|电话|法人/i

export interface Finding { where: string; what: string }

/** Every key and every value of a JSON value, checked against the sensitive keys and values. */
export function scanJson(v: unknown, values: readonly (string | number)[], keys: readonly string[], where = '$', out: Finding[] = []): Finding[] {
  if (Array.isArray(v)) {
    v.forEach((x, i) => scanJson(x, values, keys, `${where}[${i}]`, out))
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (keys.includes(k) || SENSITIVE_KEY_PATTERN.test(k)) out.push({ where: `${where}.${k}`, what: `key "${k}"` })
      scanJson(x, values, keys, `${where}.${k}`, out)
    }
  } else if (v !== null && v !== undefined) {
    scanValue(v as string | number | boolean, values, where, out)
  }
  return out
}

export function scanValue(v: string | number | boolean, values: readonly (string | number)[], where: string, out: Finding[]): void {
  for (const s of values) {
    const hit = typeof s === 'number'
      ? v === s || (typeof v === 'string' && v.includes(String(s)))
      : String(v).includes(s)
    if (hit) out.push({ where, what: `value ${JSON.stringify(s)} in ${JSON.stringify(v)}` })
  }
}

/** Every cell (and the header, i.e. the keys) of a CSV document. */
export function scanText(text: string, values: readonly (string | number)[], keys: readonly string[], where: string): Finding[] {
  const out: Finding[] = []
  for (const k of keys) if (text.includes(k)) out.push({ where, what: `key "${k}"` })
  scanValue(text, values, where, out)
  return out
}

/** Every sheet name, cell value and document property of an XLSX workbook. */
export async function scanXlsx(buf: Buffer, values: readonly (string | number)[], keys: readonly string[], where: string): Promise<Finding[]> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(buf as unknown as ArrayBuffer)
  const out: Finding[] = []
  const props = { creator: wb.creator, lastModifiedBy: wb.lastModifiedBy, title: wb.title, subject: wb.subject, keywords: wb.keywords }
  scanJson(props, values, [], `${where}#properties`, out)
  for (const ws of wb.worksheets) {
    scanValue(ws.name, values, `${where}#${ws.name}`, out)
    ws.eachRow((row, r) => row.eachCell((cell, c) => {
      const v = cell.value
      const text = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : v
      if (typeof text === 'string') for (const k of keys) if (text.includes(k)) out.push({ where: `${where}#${ws.name}!R${r}C${c}`, what: `key "${k}"` })
      scanValue(text as string | number, values, `${where}#${ws.name}!R${r}C${c}`, out)
    }))
  }
  return out
}

/** Every layer name, property key and property value of a Mapbox vector tile. */
export function scanTile(buf: Buffer, values: readonly (string | number)[], keys: readonly string[], where: string): { findings: Finding[]; features: Record<string, unknown>[] } {
  const out: Finding[] = []
  const features: Record<string, unknown>[] = []
  for (const [name, layer] of Object.entries(decodeTile(buf))) {
    scanValue(name, values, `${where}/${name}`, out)
    layer.features.forEach((f, i) => {
      features.push(f.properties)
      scanJson(f.properties, values, keys, `${where}/${name}[${i}]`, out)
    })
  }
  return { findings: out, features }
}
