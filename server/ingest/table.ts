/**
 * Tables of parcels: CSV (csv-parse) and XLSX (exceljs), one row per parcel with its geometry as
 * WKT, or one row per boundary point with X/Y (or 经度/纬度) columns, as the 界址点 tables surveyors
 * keep in a spreadsheet.
 *
 * Geometry columns, by name (case and spaces ignored):
 *   - WKT: WKT, geometry, geom, the_geom, shape, 几何, 图形 (or any column whose first value is a
 *     POLYGON/MULTIPOLYGON WKT); an EWKT "SRID=4490;" prefix declares the CRS;
 *   - points: 经度/纬度 (lon/lat, longitude/latitude), 东坐标/北坐标 (E/N), or X/Y. Consecutive rows
 *     with the same key (地块编号, 宗地编号, 编号, code, id… or else the first other column) are one
 *     parcel's boundary points in order; a 圈号/环号 (ring) column separates rings, otherwise a ring
 *     ends where its first point repeats; a ring inside another is its hole (layered.ts).
 *     In Chinese surveying X is the northing and Y the easting (DOMAIN.md "Units and coordinates"):
 *     where the X values are 7-digit northings and the Y values eastings, X/Y are read that way and
 *     the report says so.
 * CRS: 经度/纬度 columns declare geographic coordinates (CGCS2000); X/Y and E/N declare nothing, so the
 * coordinates decide or the user states the zone (crs-decide.ts), and the report says why.
 * Encoding: a CSV is UTF-8 when its bytes are valid UTF-8, else GBK (what Excel on a Chinese
 * Windows saves), unless the user states it; an XLSX is UTF-8 inside.
 * Line numbers in messages count the file's lines from 1 (the header is line 1), as an editor shows them.
 */
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import type { Geometry, MultiPolygon, Polygon, Position } from 'geojson'
import iconv from 'iconv-lite'
import wkx from 'wkx'
import { detectCrsFromFormat } from './crs'
import { type EncodingDecision, isValidUtf8, requireEncoding } from './encoding'
import { ingestError, isIngestError } from './errors'
import { POLYGONAL } from './geometry-check'
import { type RawFeature, type ReadLayer, assembleRings } from './layered'
import { type ZipLimits, vetZip } from './zip'

interface Row { line: number; values: unknown[] }

const norm = (s: string) => s.replace(/[\s_()（）]/g, '').toLowerCase()
const WKT_NAMES = new Set(['wkt', 'geometry', 'geom', 'thegeom', 'shape', '几何', '图形', 'wktgeom'])
const LON = new Set(['经度', 'lon', 'lng', 'long', 'longitude'])
const LAT = new Set(['纬度', 'lat', 'latitude'])
const EAST = new Set(['东坐标', 'e', 'east', 'easting', '横坐标'])
const NORTH = new Set(['北坐标', 'n', 'north', 'northing', '纵坐标'])
const X = new Set(['x', 'x坐标', 'xm', 'x坐标m'])
const Y = new Set(['y', 'y坐标', 'ym', 'y坐标m'])
const KEY = ['地块编号', '宗地编号', '宗地代码', '编号', '图斑编号', '地块号', '宗地号', 'code', 'id', 'fid', '名称', 'name']
const RING = new Set(['圈号', '环号', '圈', 'ring', 'part', '部件号'])
const POINT = new Set(['点号', '界址点号', '序号', 'point', 'pt', 'pointno'])
const WKT_VALUE = /^\s*(SRID=\d+\s*;\s*)?(MULTI)?POLYGON\b/i

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v))

function toNumber(v: unknown, file: string, line: number, column: string): number {
  if (typeof v === 'number') return v
  const s = text(v).trim().replace(/,/g, '')
  const n = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : NaN
  if (!Number.isFinite(n)) throw ingestError('table_bad_coordinate', { file, line, column, value: text(v).slice(0, 40) })
  return n
}

const flat2d = (r: Position[]) => r.map((p) => [p[0]!, p[1]!])

function polygonOfWkt(wkt: string): Polygon | MultiPolygon {
  const g = wkx.Geometry.parse(wkt.replace(/^\s*SRID=\d+\s*;/i, '')).toGeoJSON() as Geometry
  if (!g || !POLYGONAL.has(g.type)) throw new Error(`${g?.type ?? 'nothing'}, not a POLYGON or MULTIPOLYGON`)
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map(flat2d) }
  return { type: 'MultiPolygon', coordinates: (g as MultiPolygon).coordinates.map((p) => p.map(flat2d)) }
}

/** One sheet or CSV as a layer. `where` names the sheet in messages ('' for a CSV). */
export function tableLayer(name: string, header: string[], rows: Row[], file: string, where: string, encoding: EncodingDecision | null): ReadLayer {
  const cols = header.map((h) => norm(text(h)))
  const find = (set: Set<string>) => cols.findIndex((c) => set.has(c))
  let wkt = cols.findIndex((c) => WKT_NAMES.has(c))
  if (wkt < 0) {
    const first = rows[0]
    if (first) wkt = first.values.findIndex((v) => typeof v === 'string' && WKT_VALUE.test(v))
  }
  if (wkt >= 0) return wktLayer(name, header, rows, wkt, file, encoding)
  const pairs: [number, number, 'lonlat' | 'en' | 'xy'][] = [[find(LON), find(LAT), 'lonlat'], [find(EAST), find(NORTH), 'en'], [find(X), find(Y), 'xy']]
  const pair = pairs.find(([a, b]) => a >= 0 && b >= 0)
  if (!pair) throw ingestError('table_no_geometry', { file, sheet: where, columns: header.map(text).join('、') || '（无）' })
  return pointLayer(name, header, rows, pair, file, encoding)
}

function wktLayer(name: string, header: string[], rows: Row[], wkt: number, file: string, encoding: EncodingDecision | null): ReadLayer {
  const fieldNames = header.map(text).filter((_h, i) => i !== wkt)
  const features: RawFeature[] = []
  let srid: number | null = null
  for (const r of rows) {
    const value = text(r.values[wkt]).trim()
    let geometry: Polygon | MultiPolygon | null = null
    if (value) {
      try {
        geometry = polygonOfWkt(value)
      } catch (e) {
        throw ingestError('table_bad_wkt', { file, line: r.line, cause: `${(e as Error).message.split('\n')[0]!.slice(0, 120)}: ${value.slice(0, 60)}` })
      }
      const m = /^\s*SRID=(\d+)/i.exec(value)
      if (m && srid === null) srid = Number(m[1])
    }
    features.push({ geometry, properties: propertiesOf(header, r.values, new Set([wkt])) })
  }
  const declared = srid
  return {
    name, geometryType: 'WKT', features, fieldNames, encoding,
    declared: declared === null ? undefined : () => detectCrsFromFormat(declared, file, `${file} 的 WKT 写明 SRID=${declared}，即 `, `the WKT of ${file} says SRID=${declared}: `),
    notes: declared === null ? ['WKT 不含坐标系：按坐标推断，或请在上传时指定坐标系 / the WKT carries no CRS: inferred from the coordinates, or state it when uploading'] : undefined,
  }
}

function propertiesOf(header: string[], values: unknown[], skip: Set<number>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  header.forEach((h, i) => {
    if (skip.has(i) || !text(h)) return
    const v = values[i]
    out[text(h)] = v === undefined || v === '' ? null : v
  })
  return out
}

function pointLayer(name: string, header: string[], rows: Row[], [a, b, kind]: [number, number, 'lonlat' | 'en' | 'xy'], file: string,
  encoding: EncodingDecision | null): ReadLayer {
  const cols = header.map((h) => norm(text(h)))
  const ring = cols.findIndex((c) => RING.has(c))
  const point = cols.findIndex((c) => POINT.has(c))
  const coord = new Set([a, b, ring, point].filter((i) => i >= 0))
  let key = KEY.map((k) => cols.indexOf(norm(k))).find((i) => i >= 0 && !coord.has(i)) ?? -1
  if (key < 0) key = cols.findIndex((_c, i) => !coord.has(i))
  const pts = rows.map((r) => ({ r, p: [toNumber(r.values[a], file, r.line, text(header[a])), toNumber(r.values[b], file, r.line, text(header[b]))] as Position }))
  const notes: string[] = []
  let swap = false
  if (kind === 'xy' && pts.length) {
    // 测量坐标 X is north: 7-digit X with 6- or 8-digit Y is (northing, easting)
    const northing = (v: number) => v >= 1_000_000 && v < 10_000_000
    const easting = (v: number) => (v >= 100_000 && v < 1_000_000) || (v >= 10_000_000 && v < 100_000_000)
    swap = pts.every(({ p }) => northing(p[0]!) && easting(p[1]!))
    notes.push(swap
      ? 'X 列为北坐标、Y 列为东坐标（测量坐标系习惯），已按此读取 / X holds northings and Y eastings (the surveying convention): read so'
      : 'X 列为东坐标、Y 列为北坐标 / X holds eastings and Y northings')
  }
  if (kind !== 'lonlat') notes.push('坐标列不含坐标系：按坐标推断（8 位横坐标含带号，6 位横坐标逐带试算），或请在上传时指定坐标系 / coordinate columns carry no CRS: inferred from the coordinates, or state it when uploading')
  const features: RawFeature[] = []
  let current: { key: string; first: Row; rings: Position[][]; ringId: string } | null = null
  const flush = () => {
    if (!current) return
    features.push({ geometry: assembleRings(current.rings), properties: propertiesOf(header, current.first.values, coord) })
    current = null
  }
  for (const { r, p } of pts) {
    const xy: Position = swap ? [p[1]!, p[0]!] : p
    const k = key >= 0 ? text(r.values[key]) : ''
    const ringId = ring >= 0 ? text(r.values[ring]) : ''
    if (!current || current.key !== k) {
      flush()
      current = { key: k, first: r, rings: [[xy]], ringId }
      continue
    }
    const c = current as { key: string; first: Row; rings: Position[][]; ringId: string }
    const last = c.rings[c.rings.length - 1]!
    const closed = ring < 0 && last.length >= 4 && last[0]![0] === last[last.length - 1]![0] && last[0]![1] === last[last.length - 1]![1]
    if ((ring >= 0 && ringId !== c.ringId) || closed) {
      c.rings.push([xy])
      c.ringId = ringId
    } else last.push(xy)
  }
  flush()
  const fieldNames = header.map(text).filter((h, i) => h && !coord.has(i))
  return {
    name, geometryType: kind === 'lonlat' ? '经纬度点' : '坐标点', features, fieldNames, encoding, notes,
    declared: kind === 'lonlat'
      ? () => detectCrsFromFormat(4490, file, `${file} 的坐标列为经度/纬度，按 `, `the coordinate columns of ${file} are longitude/latitude, read as `)
      : undefined,
  }
}

export function decideCsvEncoding(bytes: Buffer, override: string | undefined): EncodingDecision {
  if (override) {
    const encoding = requireEncoding(override)
    return { encoding, source: 'override', reason: `按上传时指定的编码 ${override} 读取 / read as ${override}, as stated at upload` }
  }
  if (!bytes.some((b) => b >= 0x80)) return { encoding: 'utf8', source: 'sniffed', reason: '文字全部为 ASCII / all text is ASCII' }
  if (isValidUtf8(bytes)) return { encoding: 'utf8', source: 'sniffed', reason: '全部文字都是合法的 UTF-8，按 UTF-8 读取 / every text is valid UTF-8, so it is read as UTF-8' }
  return {
    encoding: 'gbk', source: 'sniffed',
    reason: '文字不是合法的 UTF-8，按中文 Excel 常用的 GBK 读取 / the text is not valid UTF-8, so it is read as GBK, what Excel on a Chinese Windows saves',
  }
}

/** A CSV's delimiter: the commonest of comma, tab and semicolon in its first line. */
export function csvDelimiter(content: string): string {
  const firstLine = content.slice(0, content.indexOf('\n') >>> 0)
  return [',', '\t', ';'].map((d) => [d, firstLine.split(d).length] as const).sort((x, y) => y[1] - x[1])[0]![0]
}

export function readCsv(bytes: Buffer, file: string, encodingOverride?: string): ReadLayer[] {
  const encoding = decideCsvEncoding(bytes, encodingOverride)
  const content = iconv.decode(bytes, encoding.encoding).replace(/^\uFEFF/, '')
  const delimiter = csvDelimiter(content)
  let records: { record: string[]; info: { lines: number } }[]
  try {
    records = parse(content, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, relax_quotes: true }) as never
  } catch (e) {
    throw ingestError('table_invalid', { file, cause: (e as Error).message.slice(0, 200) })
  }
  if (records.length === 0) throw ingestError('table_no_geometry', { file, sheet: '', columns: '（空文件）' })
  const [head, ...rest] = records
  return [tableLayer(file, head!.record.map((h) => h.trim()), rest.map((r) => ({ line: r.info.lines, values: r.record })), file, '', encoding)]
}

/** A cell's value as read: formulas by their result, rich text as its text, dates as ISO dates. */
function cellValue(v: ExcelJS.CellValue): unknown {
  if (v === null || v === undefined) return null
  if (v instanceof Date) return v.toISOString().slice(0, 10)
  if (typeof v === 'object') {
    if ('result' in v) return cellValue(v.result as ExcelJS.CellValue)
    if ('richText' in v) return v.richText.map((t) => t.text).join('')
    if ('text' in v) return String(v.text)
    if ('error' in v) return null
    return null
  }
  return v
}

export async function readXlsx(path: string, file: string, limits: ZipLimits): Promise<ReadLayer[]> {
  // exceljs inflates the whole workbook in memory: a zip bomb is refused before it does
  await vetZip(path, file, limits)
  const book = new ExcelJS.Workbook()
  try {
    await book.xlsx.readFile(path)
  } catch (e) {
    throw ingestError('table_invalid', { file, cause: (e as Error).message.slice(0, 200) })
  }
  const layers: ReadLayer[] = []
  const refusals: unknown[] = []
  for (const sheet of book.worksheets) {
    const rows: Row[] = []
    let header: string[] | null = null
    sheet.eachRow({ includeEmpty: false }, (row, n) => {
      const values = (row.values as ExcelJS.CellValue[]).slice(1).map(cellValue)
      if (!header) header = values.map((v) => text(v).trim())
      else rows.push({ line: n, values })
    })
    if (!header) continue
    try {
      layers.push(tableLayer(sheet.name, header, rows, file, `（工作表 ${sheet.name}）`, null))
    } catch (e) {
      if (!isIngestError(e) || e.code !== 'table_no_geometry') throw e
      refusals.push(e)
    }
  }
  if (layers.length === 0) throw refusals[0] ?? ingestError('table_no_geometry', { file, sheet: '', columns: '（空工作簿）' })
  return layers
}
