/**
 * The 国土 coordinate exchange text (界址点坐标交换格式): the .txt that 勘测定界 reports and
 * 建设用地报批 deliver, as the land ministry's submission software ("报盘") reads it and CASS
 * ("导出电子报盘") writes it:
 *
 *   [属性描述]
 *   格式版本号=…   数据产生单位=…   数据产生日期=…          (optional)
 *   坐标系=2000国家大地坐标系
 *   几度分带=3
 *   投影类型=高斯克吕格
 *   计量单位=米
 *   带号=38
 *   精度=0.01
 *   转换参数=,,,,,,
 *   [地块坐标]
 *   界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@
 *   点号,圈号,X,Y
 *   …
 *
 * One block per parcel: a header line ending in "@" (area in 公顷; fields may be empty but their
 * commas stay), then one line per boundary point: its name (J1…), its ring (圈号: 1 the outer
 * boundary, 2, 3… the holes cut out of it), X the northing and Y the easting in metres of a
 * Gauss-Kruger zone, Y with or without the zone number in front. A ring repeats its first point
 * to close; a ring that does not is closed here (the format lists boundary points, and the
 * polygon they bound is meant). Files are GBK unless they are valid UTF-8.
 *
 * Files with the X and Y columns swapped exist (easting first, as in a CASS .dat): the order is
 * decided by where each reading puts the parcels, the one inside the city's extent is taken, and a
 * swapped file is read and said so (a warning on each feature). The CRS comes from 坐标系 +
 * 几度分带 + 带号 and the eastings themselves: Xian 1980 and Beijing 1954 are refused as for a
 * .prj (no public datum shift, DOMAIN.md "Units and coordinates").
 */
import type { Polygon, Position } from 'geojson'
import iconv from 'iconv-lite'
import { type Bbox, type CrsDecision, reasonWith } from './crs'
import { type Placer, decideCrs } from './crs-decide'
import { type EncodingDecision, isValidUtf8, requireEncoding } from './encoding'
import { ingestError, isIngestError } from './errors'

/** The fields of a block's header line, in order, as they become the feature's properties (the
 * names the field mapping knows: 地块编号 → code, 地块面积(公顷) → stated area, 地块用途 → land use). */
export const TXT_FIELDS = ['界址点数', '地块面积(公顷)', '地块编号', '地块名称', '图形属性', '图幅号', '地块用途', '地类编码'] as const

export interface TxtPoint {
  line: number
  name: string
  ring: number
  /** As written: X (the northing, when the file is the right way round) and Y. */
  x: number
  y: number
}

export interface TxtBlock {
  /** 1-based line of the header. */
  line: number
  declaredPoints: number
  /** The header's fields without the final "@". */
  fields: string[]
  points: TxtPoint[]
}

export interface TxtDocument {
  /** [属性描述] key = value, keys trimmed. */
  attributes: Record<string, string>
  blocks: TxtBlock[]
}

const SECTION = /^[[【［]\s*(属性描述|地块坐标)\s*[\]】］]$/
const SPLIT = /[,，]/

const bad = (file: string, line: number, zh: string, en: string) => ingestError('txt_invalid', { file, line, zh, en })

/** The structure of the file; throws txt_invalid naming the line. */
export function parseTxt(text: string, file: string): TxtDocument {
  const attributes: Record<string, string> = {}
  const blocks: TxtBlock[] = []
  let section: '属性描述' | '地块坐标' | null = null
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)
  for (const [i, raw] of lines.entries()) {
    const line = i + 1
    const s = raw.trim()
    if (!s) continue
    const head = SECTION.exec(s)
    if (head) {
      section = head[1] as '属性描述' | '地块坐标'
      continue
    }
    if (section === '属性描述') {
      const eq = s.search(/[=＝]/)
      if (eq > 0) attributes[s.slice(0, eq).trim()] = s.slice(eq + 1).trim()
      continue
    }
    if (section !== '地块坐标') throw bad(file, line, '在 [属性描述] 或 [地块坐标] 之前有内容', 'text before [属性描述] or [地块坐标]')
    if (s.endsWith('@')) {
      // "…,0601,@" and "…,0601@" alike
      const fields = s.slice(0, -1).split(SPLIT).map((p) => p.trim())
      if (/[,，]\s*$/.test(s.slice(0, -1))) fields.pop()
      const declared = Number(fields[0])
      if (!Number.isInteger(declared) || declared < 3) {
        throw bad(file, line, `界址点数 “${fields[0] ?? ''}” 不是正整数`, `the point count “${fields[0] ?? ''}” is not a whole number of at least 3`)
      }
      blocks.push({ line, declaredPoints: declared, fields, points: [] })
      continue
    }
    const parts = s.split(SPLIT).map((p) => p.trim())
    const block = blocks[blocks.length - 1]
    if (!block) throw bad(file, line, '坐标行之前没有地块头（以 @ 结尾的行）', 'a point line before any block header (the line ending in @)')
    if (parts.length < 4) {
      throw bad(file, line, `坐标行应为 “点号,圈号,X,Y”，实为 “${s.slice(0, 60)}”`, `a point line is “name,ring,X,Y”, not “${s.slice(0, 60)}”`)
    }
    const [name, ringText, xText, yText] = parts as [string, string, string, string]
    const ring = Number(ringText)
    const x = Number(xText)
    const y = Number(yText)
    if (!Number.isInteger(ring) || ring < 1) throw bad(file, line, `圈号 “${ringText}” 不是正整数`, `the ring number “${ringText}” is not a whole number from 1`)
    if (!Number.isFinite(x) || !Number.isFinite(y) || xText === '' || yText === '') {
      throw bad(file, line, `坐标 “${xText},${yText}” 不是数字`, `the coordinates “${xText},${yText}” are not numbers`)
    }
    block.points.push({ line, name, ring, x, y })
  }
  if (blocks.length === 0) throw bad(file, lines.length, '没有 [地块坐标] 地块', 'no block under [地块坐标]')
  for (const b of blocks) {
    // The count includes the closing repetitions as most writers count lines; some count boundary points only.
    const closing = closingPoints(b.points)
    if (b.declaredPoints !== b.points.length && b.declaredPoints !== b.points.length - closing) {
      throw bad(file, b.line, `地块 ${b.fields[2] || b.line} 声明界址点数 ${b.declaredPoints}，实有 ${b.points.length} 行`,
        `block ${b.fields[2] || b.line} declares ${b.declaredPoints} points and has ${b.points.length} point lines`)
    }
    if (!b.points.some((p) => p.ring === 1)) {
      throw bad(file, b.line, `地块 ${b.fields[2] || b.line} 没有圈号为 1 的外圈`, `block ${b.fields[2] || b.line} has no ring 1 (its outer boundary)`)
    }
  }
  return { attributes, blocks }
}

/** Rings (in order of appearance) that end on the point they start with. */
function closingPoints(points: TxtPoint[]): number {
  let n = 0
  for (const ring of groupRings(points).values()) {
    const [a, z] = [ring[0]!, ring[ring.length - 1]!]
    if (ring.length > 1 && a.x === z.x && a.y === z.y) n++
  }
  return n
}

function groupRings(points: TxtPoint[]): Map<number, TxtPoint[]> {
  const rings = new Map<number, TxtPoint[]>()
  for (const p of points) {
    const r = rings.get(p.ring) ?? []
    r.push(p)
    rings.set(p.ring, r)
  }
  return rings
}

/** A block as a polygon in [easting, northing]: ring 1 outside, the others holes, each closed. */
export function blockPolygon(block: TxtBlock, swapped: boolean): Polygon {
  const rings = groupRings(block.points)
  const order = [...rings.keys()].sort((a, b) => a - b)
  const coordinates = order.map((k) => {
    const ring: Position[] = rings.get(k)!.map((p) => (swapped ? [p.x, p.y] : [p.y, p.x]))
    const [a, z] = [ring[0]!, ring[ring.length - 1]!]
    return a[0] === z[0] && a[1] === z[1] ? ring : [...ring, a]
  })
  return { type: 'Polygon', coordinates }
}

/** The block's header as properties under TXT_FIELDS (further fields as 属性9, 属性10…); the area
 * as a number when it is one. */
export function blockProperties(block: TxtBlock): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  block.fields.forEach((v, i) => {
    const name = TXT_FIELDS[i] ?? `属性${i + 1}`
    out[name] = i === 1 && v !== '' && Number.isFinite(Number(v)) ? Number(v) : v
  })
  return out
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** What the user stated, else UTF-8 when the bytes are valid UTF-8, else GBK (the usual case). */
export function decideTxtEncoding(bytes: Buffer, override?: string): EncodingDecision {
  if (override != null && override.trim() !== '') {
    return { encoding: requireEncoding(override), source: 'override', reason: `按上传时指定的编码 ${override} 读取 / read as ${override}, as stated at upload` }
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { encoding: 'utf8', source: 'sniffed', reason: '文件以 UTF-8 BOM 开头 / the file starts with a UTF-8 byte-order mark' }
  }
  if (!bytes.some((b) => b >= 0x80)) {
    return { encoding: 'utf8', source: 'sniffed', reason: '文件全部为 ASCII，任何编码读出结果相同 / the file is all ASCII, every encoding reads it alike' }
  }
  if (isValidUtf8(bytes, false)) {
    return { encoding: 'utf8', source: 'sniffed', reason: '文件中的中文是合法的 UTF-8 / the Chinese text is valid UTF-8' }
  }
  return {
    encoding: 'gbk', source: 'sniffed',
    reason: '文件不是合法的 UTF-8，按国土报盘文件通常的 GBK 读取 / not valid UTF-8, so read as GBK, the usual encoding of these files',
  }
}

export const decodeTxt = (bytes: Buffer, encoding: string): string => iconv.decode(bytes, encoding)

// ---------------------------------------------------------------------------------------------
// CRS and column order

type Datum = 'cgcs2000' | 'xian1980' | 'beijing1954' | 'wgs84' | 'unknown'

function datumOf(name: string): Datum {
  const s = name.normalize('NFKC').toLowerCase().replace(/\s+/g, '')
  if (/西安|xian|1980|80坐标/.test(s)) return 'xian1980'
  if (/北京|beijing|1954|54坐标/.test(s)) return 'beijing1954'
  if (/2000|cgcs|国家大地/.test(s)) return 'cgcs2000'
  if (/wgs/.test(s)) return 'wgs84'
  return 'unknown'
}

const LEGACY: Partial<Record<Datum, string>> = { xian1980: 'Xian 1980（西安80）', beijing1954: 'Beijing 1954（北京54）' }

/** 带号 and 几度分带 as numbers (null when absent); "3度" and "第38带" read as 3 and 38. */
function intOf(v: string | undefined): number | null {
  const m = /\d+/.exec((v ?? '').normalize('NFKC'))
  return m ? Number(m[0]) : null
}

const prefixedEpsg = (width: 3 | 6, zone: number) => (width === 3 ? 4513 + zone - 25 : 4491 + zone - 13)
const plainEpsg = (width: 3 | 6, zone: number) => (width === 3 ? 4534 + zone - 25 : 4502 + zone - 13)
const zoneFits = (width: 3 | 6, zone: number) => (width === 3 ? zone >= 25 && zone <= 45 : zone >= 13 && zone <= 23)

export interface TxtPlacement {
  crs: CrsDecision
  /** The file's X column holds eastings (the columns are swapped). */
  swapped: boolean
}

export interface TxtCrsInputs {
  attributes: Record<string, string>
  blocks: TxtBlock[]
  file: string
  /** EPSG code the user stated at upload. */
  override?: number | string
  /** The user confirms the stated CRS over what the header declares (crs-decide.ts). */
  confirmOverride?: boolean
  /** Where a box of coordinates lands against the city's extent (crs-decide.ts): decides the X/Y
   * order, the zone of 6-digit eastings without 带号, and refuses a file outside the city. */
  place?: Placer
}

const where = ([lon, lat]: readonly number[]) => `${lon!.toFixed(3)}°E, ${lat!.toFixed(3)}°N`

/**
 * The CRS of the file and whether its columns are swapped: each reading (as written, then swapped)
 * goes through the CRS decision of every upload (crs-decide.ts) with the header as the file's
 * declaration, so a stated CRS, the city's extent and the candidate zones of 6-digit eastings
 * work as for a shapefile; the first reading that lands in the city is taken. Throws the
 * decision's errors (crs_legacy_datum, crs_stated_conflict, crs_zone_ambiguous…),
 * crs_txt_zone_mismatch, or txt_outside_city saying where each reading would put the parcels.
 */
export async function placeTxt(inputs: TxtCrsInputs): Promise<TxtPlacement> {
  const { attributes: a, file } = inputs
  const datum = datumOf(a['坐标系'] ?? '')
  const projection = a['投影类型'] ?? ''
  if (projection && !/高斯|克吕格|gauss|kr[uü]ger|横轴墨卡托|transversemercator/i.test(projection.replace(/[\s-]/g, ''))) {
    throw ingestError('crs_unsupported', { file, what: `投影类型=${projection}` })
  }
  const unit = a['计量单位'] ?? ''
  if (unit && !/^(米|m|meter|metre|公尺)$/i.test(unit)) throw ingestError('crs_unsupported', { file, what: `计量单位=${unit}` })

  const tried: string[] = []
  let firstError: unknown = null
  let placed = false
  for (const swapped of [false, true]) {
    const label = swapped ? '交换 X/Y 后 / swapped' : '按 X 北、Y 东 / as written'
    const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity]
    for (const b of inputs.blocks) {
      for (const p of b.points) {
        const [e, n] = swapped ? [p.x, p.y] : [p.y, p.x]
        if (e < bbox[0]) bbox[0] = e
        if (n < bbox[1]) bbox[1] = n
        if (e > bbox[2]) bbox[2] = e
        if (n > bbox[3]) bbox[3] = n
      }
    }
    let crs: CrsDecision
    try {
      crs = await decideCrs({
        file, bbox, stated: inputs.override, confirmStated: inputs.confirmOverride, place: inputs.place,
        declared: headerDeclaration(a, file, datum, bbox),
      })
    } catch (e) {
      if (isIngestError(e) && e.code === 'crs_outside_city') {
        // a CRS was found for this reading, but it puts the parcels outside the city
        placed = true
        const read = (e.detail as { read?: { epsg: number; bbox: [number, number, number, number] } }).read
        tried.push(read ? `${label} EPSG:${read.epsg}: ${where([read.bbox[0], read.bbox[1]])} – ${where([read.bbox[2], read.bbox[3]])}` : `${label}: ${e.message}`)
        continue
      }
      firstError ??= e
      tried.push(`${label}: ${(e as Error).message}`)
      continue
    }
    if (!swapped) return { crs, swapped }
    return {
      swapped,
      crs: {
        ...crs,
        reason: `${crs.reason}；文件的 X、Y 两列顺序颠倒（X 列为东坐标），已交换后读取 / the X and Y columns are swapped (X holds the eastings): read swapped`,
      },
    }
  }
  // A datum or header problem says more than "outside the city" about both readings.
  if (!placed && firstError) throw firstError
  throw ingestError('txt_outside_city', { file, tried: tried.join('；') })
}

/** The header as the file's declaration, for one reading's extent: a closure that gives its CRS or
 * throws why not; undefined when it declares CGCS2000 but no zone and the eastings carry none,
 * which leaves the zone to the candidates of crs-decide.ts (every zone tried against the city). */
function headerDeclaration(a: Record<string, string>, file: string, datum: Datum, bbox: Bbox): (() => CrsDecision) | undefined {
  const [minX, , maxX] = bbox
  const prefixed = minX >= 1e7 && maxX < 1e8
  if (datum === 'cgcs2000' && intOf(a['带号']) === null && !prefixed) return undefined
  return () => headerCrs(a, file, datum, bbox)
}

function headerCrs(a: Record<string, string>, file: string, datum: Datum, bbox: Bbox): CrsDecision {
  const said = `坐标系=${a['坐标系'] ?? ''}，几度分带=${a['几度分带'] ?? ''}，带号=${a['带号'] ?? ''}`
  const legacy = LEGACY[datum]
  if (legacy) throw ingestError('crs_legacy_datum', { file, datum: legacy })
  if (datum !== 'cgcs2000') {
    if (datum === 'unknown' && !(a['坐标系'] ?? '').trim()) {
      throw ingestError('crs_unknown', { file, why: '[属性描述] 未写明坐标系 / [属性描述] names no 坐标系' })
    }
    throw ingestError('crs_unsupported', { file, what: `坐标系=${a['坐标系']}` })
  }
  const widthSaid = intOf(a['几度分带'])
  if (widthSaid !== null && widthSaid !== 3 && widthSaid !== 6) throw ingestError('crs_unsupported', { file, what: `几度分带=${a['几度分带']}` })
  const zoneSaid = intOf(a['带号'])
  const widthFor = (zone: number): 3 | 6 | null =>
    widthSaid === 3 || widthSaid === 6 ? (zoneFits(widthSaid, zone) ? widthSaid : null)
    : zoneFits(3, zone) ? 3 : zoneFits(6, zone) ? 6 : null

  const [minX, , maxX] = bbox
  // crs-decide.ts checks the coordinates against the decision (crs_coordinates_mismatch)
  const decided = (epsg: number, zh: string, en: string): CrsDecision =>
    ({ epsg, source: 'txt', reason: reasonWith(epsg, `${file} 的 [属性描述] 写明 ${said}，${zh}：`, `${file} says ${said}; ${en}: `) })
  if (minX >= 1e7 && maxX < 1e8) {
    // Eastings with the zone in front (zone × 1e6 + 500 000 ± 400 km)
    const prefix = Math.floor(minX / 1e6)
    if (Math.floor(maxX / 1e6) !== prefix) {
      throw ingestError('crs_unknown', { file, why: `横坐标跨带号 ${prefix}–${Math.floor(maxX / 1e6)} / the eastings span zones ${prefix}–${Math.floor(maxX / 1e6)}` })
    }
    if (zoneSaid !== null && zoneSaid !== prefix) throw ingestError('crs_txt_zone_mismatch', { file, stated: zoneSaid, prefix })
    const width = widthFor(prefix)
    if (!width) throw ingestError('crs_unsupported', { file, what: `带号 ${prefix}${widthSaid ? `（${widthSaid}度带）` : ''}` })
    return decided(prefixedEpsg(width, prefix), `横坐标带带号 ${prefix}`, `the eastings carry zone ${prefix}`)
  }
  if (zoneSaid === null) {
    // not CGCS2000 metres without a zone (headerDeclaration leaves those to the candidates)
    throw ingestError('crs_unknown', {
      file, why: '横坐标不带带号，[属性描述] 也未写明带号 / the eastings carry no zone and [属性描述] names no 带号',
    })
  }
  const width = widthFor(zoneSaid)
  if (!width) throw ingestError('crs_unsupported', { file, what: `带号 ${zoneSaid}${widthSaid ? `（${widthSaid}度带）` : ''}` })
  return decided(plainEpsg(width, zoneSaid), `横坐标不带带号，按带号 ${zoneSaid} 取中央经线`, `the eastings carry no zone, so zone ${zoneSaid} gives the central meridian`)
}
