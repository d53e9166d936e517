/**
 * Which coordinate reference system an upload is in, as an EPSG code PostGIS can transform from.
 *
 * Surveys arrive in CGCS2000 Gauss-Kruger, sometimes with a .prj, sometimes without
 * (DOMAIN.md, "Units and coordinates"). The .prj may be OGC WKT1, ESRI WKT1 (what ArcGIS and
 * GDAL write into .prj) or WKT2. We decide from what the WKT says about the datum and the
 * projection's parameters, not from its name, because names vary by writer while a central
 * meridian and a false easting do not. Xian 1980 and Beijing 1954 are refused: no public datum
 * shift to CGCS2000 exists, and treating them as CGCS2000 silently moves parcels by up to
 * ~100 m, which is enough to put a parcel on the wrong side of a cluster boundary.
 */
import { ingestError } from './errors'

export type CrsSource = 'override' | 'prj' | 'geojson-crs' | 'rfc7946' | 'inferred' | 'txt' | 'format'

export interface CrsDecision {
  epsg: number
  /** override: stated by the user; prj: the .prj file; geojson-crs: a legacy GeoJSON "crs"
   * member; rfc7946: a GeoJSON without "crs" (RFC 7946 says WGS 84); inferred: from coordinates;
   * txt: the [属性描述] of a 国土 coordinate TXT (txt.ts); format: what the format itself says (a
   * GeoPackage's srs, KML's WGS 84, 经度/纬度 columns: layered.ts). */
  source: CrsSource
  /** Plain words, Chinese first, English after. */
  reason: string
}

/** [minX, minY, maxX, maxY] in the source CRS. */
export type Bbox = readonly [number, number, number, number]

// ---------------------------------------------------------------------------------------------
// The supported codes

export interface CrsInfo {
  epsg: number
  name: string
  nameZh: string
  kind: 'geographic' | 'projected'
  centralMeridian?: number
  /** Zone number when the easting carries it as a prefix (zone × 1e6 + 500000). */
  zone?: number
  falseEasting?: number
  proj4: string
}

const gk = (lon0: number, x0: number) =>
  `+proj=tmerc +lat_0=0 +lon_0=${lon0} +k=1 +x_0=${x0} +y_0=0 +ellps=GRS80 +units=m +no_defs`

function buildTable(): Map<number, CrsInfo> {
  const t = new Map<number, CrsInfo>()
  t.set(4490, {
    epsg: 4490, name: 'China Geodetic Coordinate System 2000', nameZh: '2000国家大地坐标系（经纬度）',
    kind: 'geographic', proj4: '+proj=longlat +ellps=GRS80 +no_defs',
  })
  t.set(4326, {
    epsg: 4326, name: 'WGS 84', nameZh: 'WGS84 经纬度', kind: 'geographic',
    proj4: '+proj=longlat +datum=WGS84 +no_defs',
  })
  t.set(3857, {
    epsg: 3857, name: 'WGS 84 / Pseudo-Mercator', nameZh: 'Web 墨卡托', kind: 'projected',
    proj4: '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs',
  })
  // 3-degree zones 25..45, central meridian 3 × zone: with zone prefix 4513.., without 4534..
  for (let zone = 25; zone <= 45; zone++) {
    const cm = zone * 3
    const fe = zone * 1e6 + 500000
    t.set(4513 + zone - 25, {
      epsg: 4513 + zone - 25, name: `CGCS2000 / 3-degree Gauss-Kruger zone ${zone}`,
      nameZh: `CGCS2000 3度带高斯-克吕格 第${zone}带（中央经线${cm}°E，横坐标带带号）`,
      kind: 'projected', centralMeridian: cm, zone, falseEasting: fe, proj4: gk(cm, fe),
    })
    t.set(4534 + zone - 25, {
      epsg: 4534 + zone - 25, name: `CGCS2000 / 3-degree Gauss-Kruger CM ${cm}E`,
      nameZh: `CGCS2000 3度带高斯-克吕格 中央经线${cm}°E（横坐标不带带号）`,
      kind: 'projected', centralMeridian: cm, falseEasting: 500000, proj4: gk(cm, 500000),
    })
  }
  // 6-degree zones 13..23, central meridian 6 × zone − 3: with zone prefix 4491.., without 4502..
  for (let zone = 13; zone <= 23; zone++) {
    const cm = zone * 6 - 3
    const fe = zone * 1e6 + 500000
    t.set(4491 + zone - 13, {
      epsg: 4491 + zone - 13, name: `CGCS2000 / Gauss-Kruger zone ${zone}`,
      nameZh: `CGCS2000 6度带高斯-克吕格 第${zone}带（中央经线${cm}°E，横坐标带带号）`,
      kind: 'projected', centralMeridian: cm, zone, falseEasting: fe, proj4: gk(cm, fe),
    })
    t.set(4502 + zone - 13, {
      epsg: 4502 + zone - 13, name: `CGCS2000 / Gauss-Kruger CM ${cm}E`,
      nameZh: `CGCS2000 6度带高斯-克吕格 中央经线${cm}°E（横坐标不带带号）`,
      kind: 'projected', centralMeridian: cm, falseEasting: 500000, proj4: gk(cm, 500000),
    })
  }
  return t
}

const TABLE = buildTable()

export const SUPPORTED_EPSG: readonly number[] = [...TABLE.keys()].sort((a, b) => a - b)
export const isSupportedEpsg = (epsg: number): boolean => TABLE.has(epsg)
export const crsInfo = (epsg: number): CrsInfo | null => TABLE.get(epsg) ?? null

/** "EPSG:4546 CGCS2000 / 3-degree Gauss-Kruger CM 111E（CGCS2000 3度带…）" for previews and logs. */
export function describeEpsg(epsg: number): string {
  const info = TABLE.get(epsg)
  return info ? `EPSG:${epsg} ${info.name}（${info.nameZh}）` : `EPSG:${epsg}（不受支持 / not supported）`
}

/** The Chinese and the English half of a description, for reasons written "中文 / English". */
const zhName = (epsg: number) => `EPSG:${epsg} ${TABLE.get(epsg)?.nameZh ?? ''}`.trim()
const enName = (epsg: number) => `EPSG:${epsg} ${TABLE.get(epsg)?.name ?? ''}`.trim()

/** A reason naming `epsg` in both languages: `${zh} → EPSG:n 中文名 / ${en} → EPSG:n name`. */
export const reasonWith = (epsg: number, zh: string, en: string): string => `${zh}${zhName(epsg)} / ${en}${enName(epsg)}`

/** proj4 definition for the web map and for tests; throws for an unsupported code. */
export function proj4Def(epsg: number): string {
  const info = TABLE.get(epsg)
  if (!info) throw new Error(`no proj4 definition for EPSG:${epsg}`)
  return info.proj4
}

/** Codes on Xian 1980, Beijing 1954 or New Beijing, which are refused unless the user overrides. */
export function legacyDatumOfEpsg(epsg: number): string | null {
  if (epsg === 4610 || (epsg >= 2327 && epsg <= 2390)) return 'Xian 1980（西安80）'
  if (epsg === 4214 || (epsg >= 2401 && epsg <= 2442) || (epsg >= 21413 && epsg <= 21423) ||
      (epsg >= 21453 && epsg <= 21463) || (epsg >= 21473 && epsg <= 21483)) return 'Beijing 1954（北京54）'
  if (epsg === 4555 || (epsg >= 4568 && epsg <= 4589)) return 'New Beijing（新北京54）'
  return null
}

/** Validate an EPSG code the user stated. */
export function requireSupportedEpsg(epsg: number | string): number {
  const n = typeof epsg === 'number' ? epsg : Number(String(epsg).trim().replace(/^EPSG:/i, ''))
  if (!Number.isInteger(n) || !TABLE.has(n)) throw ingestError('crs_override_unsupported', { stated: String(epsg).trim() })
  return n
}

// ---------------------------------------------------------------------------------------------
// WKT

export interface WktNode {
  keyword: string
  args: WktArg[]
}
export type WktArg = string | number | WktNode

/** Parse WKT1 or WKT2 into a tree. Returns null for anything that is not WKT. */
export function parseWkt(text: string): WktNode | null {
  const maybe = tokenize(text.replace(/^\uFEFF/, '').trim())
  if (!maybe) return null
  const tokens: Token[] = maybe
  let pos = 0
  const peek = () => tokens[pos]
  function node(): WktNode | null {
    const kw = tokens[pos]
    if (kw?.kind !== 'word') return null
    pos++
    if (peek()?.kind !== 'open') return null
    pos++
    const args: WktArg[] = []
    while (peek() && peek().kind !== 'close') {
      const t = peek()
      if (t.kind === 'string' || t.kind === 'number') {
        args.push(t.value)
        pos++
      } else if (t.kind === 'word') {
        if (tokens[pos + 1]?.kind === 'open') {
          const child = node()
          if (!child) return null
          args.push(child)
        } else {
          args.push(String(t.value)) // bare enumerations: NORTH, Cartesian, ellipsoidal
          pos++
        }
      } else return null
      if (peek()?.kind === 'comma') pos++
      else if (peek()?.kind !== 'close') return null
    }
    if (peek()?.kind !== 'close') return null
    pos++
    return { keyword: String(kw.value).toUpperCase(), args }
  }
  const root = node()
  return root && pos === tokens.length ? root : null
}

type Token =
  | { kind: 'word'; value: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'open' | 'close' | 'comma'; value: string }

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y

function tokenize(s: string): Token[] | null {
  const out: Token[] = []
  let i = 0
  while (i < s.length) {
    const c = s[i]
    if (/\s/.test(c)) i++
    else if (c === '[' || c === '(') (out.push({ kind: 'open', value: c }), i++)
    else if (c === ']' || c === ')') (out.push({ kind: 'close', value: c }), i++)
    else if (c === ',') (out.push({ kind: 'comma', value: c }), i++)
    else if (c === '"') {
      let v = ''
      i++
      for (;;) {
        if (i >= s.length) return null
        if (s[i] === '"') {
          if (s[i + 1] === '"') (v += '"', (i += 2)) // WKT2 escapes a quote by doubling it
          else break
        } else v += s[i++]
      }
      i++
      out.push({ kind: 'string', value: v })
    } else {
      // Sticky regexes match at i without copying the rest of the text for every token.
      NUMBER.lastIndex = i
      const num = NUMBER.exec(s)
      WORD.lastIndex = i
      const word = num ? null : WORD.exec(s)
      if (num) out.push({ kind: 'number', value: Number(num[0]) })
      else if (word) out.push({ kind: 'word', value: word[0] })
      else return null
      i += (num ?? word)![0].length
    }
  }
  return out
}

const isNode = (a: WktArg | undefined): a is WktNode => typeof a === 'object' && a !== null
const children = (n: WktNode, ...kw: string[]) => n.args.filter(isNode).filter((c) => kw.includes(c.keyword))
const child = (n: WktNode, ...kw: string[]) => children(n, ...kw)[0]
const nameOf = (n: WktNode | undefined) => (n && typeof n.args[0] === 'string' ? n.args[0] : '')
const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9\u4e00-\u9fff]+/g, '')

function descendants(n: WktNode, kw: string[], out: WktNode[] = []): WktNode[] {
  for (const c of n.args.filter(isNode)) {
    if (kw.includes(c.keyword)) out.push(c)
    descendants(c, kw, out)
  }
  return out
}

const PROJECTED = ['PROJCS', 'PROJCRS', 'PROJECTEDCRS']
const GEOGRAPHIC = ['GEOGCS', 'GEOGCRS', 'GEODCRS', 'GEOGRAPHICCRS', 'GEODETICCRS', 'BASEGEOGCRS', 'BASEGEODCRS']

/** The horizontal CRS inside compound or bound wrappers. */
function horizontal(root: WktNode): WktNode | null {
  if (PROJECTED.includes(root.keyword) || GEOGRAPHIC.includes(root.keyword)) return root
  if (root.keyword === 'COMPD_CS' || root.keyword === 'COMPOUNDCRS' || root.keyword === 'BOUNDCRS' || root.keyword === 'SOURCECRS') {
    for (const c of root.args.filter(isNode)) {
      const h = horizontal(c)
      if (h) return h
    }
  }
  return null
}

type Datum = 'cgcs2000' | 'wgs84' | 'xian1980' | 'beijing1954' | 'newbeijing' | 'unknown'

const LEGACY_LABEL: Partial<Record<Datum, string>> = {
  xian1980: 'Xian 1980（西安80）',
  beijing1954: 'Beijing 1954（北京54）',
  newbeijing: 'New Beijing（新北京54）',
}

function classifyDatum(crs: WktNode): Datum {
  const ellipsoid = descendants(crs, ['SPHEROID', 'ELLIPSOID'])[0]
  const a = ellipsoid && typeof ellipsoid.args[1] === 'number' ? ellipsoid.args[1] : NaN
  const rf = ellipsoid && typeof ellipsoid.args[2] === 'number' ? ellipsoid.args[2] : NaN
  const names = squash(
    [nameOf(crs), ...descendants(crs, [...GEOGRAPHIC, 'DATUM', 'SPHEROID', 'ELLIPSOID']).map(nameOf)].join(' '),
  )
  // The ellipsoid settles the legacy datums whatever the names say: Krasovsky is Beijing 1954,
  // IAG 1975 is Xian 1980. A "CGCS2000" label on either is a mislabelled file, not CGCS2000.
  if (Math.abs(a - 6378245) < 0.5) return names.includes('newbeijing') ? 'newbeijing' : 'beijing1954'
  if (Math.abs(a - 6378140) < 0.5) return 'xian1980'
  if (/xian1980|xian80|西安/.test(names)) return 'xian1980'
  if (/newbeijing/.test(names)) return 'newbeijing'
  if (/beijing1954|beijing54|北京/.test(names)) return 'beijing1954'
  // CGCS2000 (GRS80) and WGS 84 share a = 6378137 m and differ in flattening by 0.1 mm at the
  // pole; some Chinese software pairs a CGCS2000 label with the WGS 84 flattening. Either
  // ellipsoid is accepted under either name; any other ellipsoid makes the datum unknown.
  const semiMajor6378137 = !ellipsoid || (Math.abs(a - 6378137) < 0.5 && Math.abs(rf - 298.2572) < 1e-3)
  if (/cgcs2000|china2000|chinageodeticcoordinatesystem2000|国家大地/.test(names) && semiMajor6378137) return 'cgcs2000'
  if (/wgs1984|wgs84/.test(names) && semiMajor6378137) return 'wgs84'
  return 'unknown'
}

/** Projection parameters by normalised name, WKT1 PARAMETER[name, value] or WKT2 the same. */
function parameters(crs: WktNode): Record<string, number> {
  const out: Record<string, number> = {}
  const alias: Record<string, string> = {
    centralmeridian: 'cm', longitudeofnaturalorigin: 'cm', longitudeofcenter: 'cm', longitudeoforigin: 'cm',
    falseeasting: 'fe', falsenorthing: 'fn',
    scalefactor: 'k', scalefactoratnaturalorigin: 'k',
    latitudeoforigin: 'lat0', latitudeofnaturalorigin: 'lat0',
  }
  for (const p of descendants(crs, ['PARAMETER'])) {
    const key = alias[squash(nameOf(p))]
    if (key && typeof p.args[1] === 'number') out[key] = p.args[1]
  }
  return out
}

function projectionMethod(crs: WktNode): string {
  const p = child(crs, 'PROJECTION')
  if (p) return squash(nameOf(p))
  const conversion = child(crs, 'CONVERSION', 'DERIVINGCONVERSION')
  return conversion ? squash(nameOf(child(conversion, 'METHOD', 'PROJECTION'))) : ''
}

/** Every length unit in a projected CRS must be the metre (a US-foot GK is not one of ours). */
function metricUnits(crs: WktNode): boolean {
  const wkt1 = children(crs, 'UNIT').map((u) => u.args[1])
  const wkt2 = descendants(crs, ['LENGTHUNIT']).map((u) => u.args[1])
  return [...wkt1, ...wkt2].every((f) => typeof f === 'number' && Math.abs(f - 1) < 1e-9)
}

function authorityCode(crs: WktNode): number | null {
  const a = child(crs, 'AUTHORITY', 'ID')
  if (!a || squash(String(a.args[0])) !== 'epsg') return null
  const code = Number(a.args[1])
  return Number.isInteger(code) ? code : null
}

const MAX_PRJ_CHARS = 64 * 1024

const close = (a: number | undefined, b: number, tol = 1e-9) => a !== undefined && Math.abs(a - b) <= tol

/**
 * Decide the EPSG code of a .prj (or any WKT). `file` names the file in errors. Throws
 * crs_unparseable, crs_legacy_datum or crs_unsupported.
 */
export function detectCrsFromPrj(prjText: string, file: string): CrsDecision {
  // Real .prj files are under 2 KB; a megabyte of "WKT" is not a coordinate system.
  if (prjText.length > MAX_PRJ_CHARS) throw ingestError('crs_unparseable', { file })
  const trimmed = prjText.trim()
  // Some tools write just "EPSG:4546" into the .prj.
  const bare = /^EPSG:(\d+)$/i.exec(trimmed)
  if (bare) return fromCode(Number(bare[1]), file, 'prj', `${file} 写明 `, `${file} names `)

  const root = parseWkt(trimmed)
  const crs = root && horizontal(root)
  if (!crs) throw ingestError('crs_unparseable', { file })

  const datum = classifyDatum(crs)
  const legacy = LEGACY_LABEL[datum]
  if (legacy) throw ingestError('crs_legacy_datum', { file, datum: legacy })

  const label = nameOf(crs)
  const found = PROJECTED.includes(crs.keyword) ? projectedCode(crs, datum) : geographicCode(datum)
  if (typeof found === 'number') {
    return {
      epsg: found,
      source: 'prj',
      reason: reasonWith(found, `${file}（${label}）判定为 `, `${file} (${label}) is `),
    }
  }
  // Parameters we do not recognise, but an authority code we support: trust the code.
  const code = authorityCode(crs)
  if (code !== null && (TABLE.has(code) || legacyDatumOfEpsg(code))) {
    return fromCode(code, file, 'prj', `${file} 的 AUTHORITY 为 `, `${file} carries AUTHORITY `)
  }
  throw ingestError('crs_unsupported', { file, what: `${label || crs.keyword}: ${found}` })
}

function fromCode(epsg: number, file: string, source: CrsSource, zh: string, en: string): CrsDecision {
  const legacy = legacyDatumOfEpsg(epsg)
  if (legacy) throw ingestError('crs_legacy_datum', { file, datum: legacy })
  if (!TABLE.has(epsg)) throw ingestError('crs_unsupported', { file, what: `EPSG:${epsg}` })
  return { epsg, source, reason: reasonWith(epsg, zh, en) }
}

function geographicCode(datum: Datum): number | string {
  if (datum === 'cgcs2000') return 4490
  if (datum === 'wgs84') return 4326
  return `geographic CRS on an unknown datum`
}

function projectedCode(crs: WktNode, datum: Datum): number | string {
  const method = projectionMethod(crs)
  const p = parameters(crs)
  const name = squash(nameOf(crs))

  if (method.includes('mercator') && !method.includes('transverse')) {
    const webMercator =
      /auxiliarysphere|pseudomercator|popularvisualisation/.test(method) ||
      /webmercator|pseudomercator/.test(name) ||
      descendants(crs, ['EXTENSION']).some((e) => String(e.args[1] ?? '').includes('+b=6378137'))
    if (datum === 'wgs84' && webMercator) return 3857
    return `Mercator that is not Web Mercator`
  }
  if (!/transversemercator|gausskruger/.test(method)) return `projection ${method || 'unknown'}`
  if (datum !== 'cgcs2000') return `Transverse Mercator on ${datum === 'wgs84' ? 'WGS 84 (UTM?)' : 'an unknown datum'}`
  if (!metricUnits(crs)) return `units other than the metre`
  if (!close(p.k, 1) || !close(p.lat0 ?? 0, 0) || !close(p.fn ?? 0, 0)) {
    return `Transverse Mercator with scale ${p.k}, origin latitude ${p.lat0}, false northing ${p.fn}`
  }
  const cm = p.cm
  const fe = p.fe
  if (cm === undefined || fe === undefined || !Number.isInteger(cm)) return `central meridian ${cm}, false easting ${fe}`

  if (close(fe, 500000, 1e-6)) {
    // A 6-degree CM is also a 3-degree CM and the two CRSs have identical parameters; only the
    // name tells them apart. Surveys here are 3-degree, so that wins unless the name says
    // Gauss-Kruger without "3 degree" (ESRI "CGCS2000_GK_CM_111E", EPSG "Gauss-Kruger CM 111E").
    const sixDegreeNamed = /gk|gausskruger/.test(name) && !/3degree/.test(name)
    if (sixDegreeNamed && cm % 6 === 3 && cm >= 75 && cm <= 135) return 4502 + (cm - 75) / 6
    if (cm % 3 === 0 && cm >= 75 && cm <= 135) return 4534 + (cm - 75) / 3
    return `central meridian ${cm}°E is not a standard zone meridian`
  }
  const zone = (fe - 500000) / 1e6
  if (Number.isInteger(zone)) {
    if (zone >= 25 && zone <= 45 && cm === zone * 3) return 4513 + zone - 25
    if (zone >= 13 && zone <= 23 && cm === zone * 6 - 3) return 4491 + zone - 13
  }
  return `false easting ${fe} and central meridian ${cm}°E do not form a standard zone`
}

/** EPSG code from a GeoJSON legacy "crs" name: "EPSG:4490", "urn:ogc:def:crs:EPSG::4546", CRS84. */
export function epsgFromCrsName(name: string): number | null {
  const s = name.trim()
  if (/^urn:ogc:def:crs:OGC:[\d.]*:CRS84$/i.test(s) || /^CRS84$/i.test(s)) return 4326
  const m = /^(?:urn:ogc:def:crs:)?EPSG:(?:[\d.]*:)?(\d+)$/i.exec(s) ?? /opengis\.net\/def\/crs\/EPSG\/[\d.]+\/(\d+)$/i.exec(s)
  return m ? Number(m[1]) : null
}

/** Decide from what a format declares (a GeoPackage srs_id's EPSG code, KML's WGS 84): `zh`/`en` say
 * where it is written and end just before the CRS's name. */
export function detectCrsFromFormat(epsg: number, file: string, zh: string, en: string): CrsDecision {
  return fromCode(epsg, file, 'format', zh, en)
}

/** Decide from a GeoJSON legacy "crs" member naming a code. */
export function detectCrsFromCode(epsg: number, file: string): CrsDecision {
  return fromCode(epsg, file, 'geojson-crs', `${file} 的 crs 成员写明 `, `the crs member of ${file} names `)
}

// ---------------------------------------------------------------------------------------------
// Coordinates

/** Northings of mainland China and its islands in GK metres (about 3.5°N to 54°N). */
const CHINA_NORTHING: readonly [number, number] = [300_000, 6_000_000]
const inNorthing = (y: number) => y >= CHINA_NORTHING[0] && y <= CHINA_NORTHING[1]
const isDegrees = (b: Bbox) => Math.abs(b[0]) <= 180 && Math.abs(b[2]) <= 180 && Math.abs(b[1]) <= 90 && Math.abs(b[3]) <= 90

/** Every 3-degree Gauss-Krüger zone without a zone number (CM 75°E … 135°E, EPSG:4534–4554):
 * the candidates for 6-digit eastings. A 6-degree zone's meridian is one of these (same
 * parameters, same coordinates), so trying these tries those too. */
export const CM_ZONES: readonly number[] = Array.from({ length: 21 }, (_, i) => 4534 + i)

/** The candidate zones when the eastings have 6 digits (no zone number) and the northings are
 * China's; null for any other extent. */
export function sixDigitCandidates(bbox: Bbox): number[] | null {
  if (!bbox.every(Number.isFinite)) return null
  const [minX, minY, maxX, maxY] = bbox
  if (isDegrees(bbox) || !inNorthing(minY) || !inNorthing(maxY)) return null
  return minX >= 100_000 && maxX <= 900_000 ? [...CM_ZONES] : null
}

/**
 * The CRS of a file that does not say, where the coordinates alone tell it: degrees → CGCS2000
 * geographic; an 8-digit easting whose first two digits are a zone → that zone's prefixed CRS.
 * 6-digit eastings do not tell their zone: they are placed against the city's extent instead
 * (crs-decide.ts) and refused here. Throws crs_unknown.
 */
export function inferCrsFromCoordinates(bbox: Bbox, file = 'upload'): CrsDecision {
  if (!bbox.every(Number.isFinite)) throw ingestError('crs_unknown', { file, why: 'the extent is not numeric' })
  const [minX, minY, maxX, maxY] = bbox
  const inferred = (epsg: number, zh: string, en: string): CrsDecision => ({
    epsg,
    source: 'inferred',
    reason: reasonWith(epsg, `未提供坐标系，${zh}，推定为 `, `no CRS given; ${en}, so `),
  })

  if (isDegrees(bbox)) {
    return inferred(4490, '坐标为经纬度', 'the coordinates are degrees (CGCS2000 assumed; within centimetres of WGS 84)')
  }
  if (inNorthing(minY) && inNorthing(maxY)) {
    const zone = Math.floor(minX / 1e6)
    const sameZone = zone === Math.floor(maxX / 1e6)
    const local = [minX - zone * 1e6, maxX - zone * 1e6]
    if (minX >= 1e7 && maxX < 1e8 && sameZone && local.every((x) => x >= 100_000 && x <= 900_000)) {
      if (zone >= 25 && zone <= 45) {
        return inferred(4513 + zone - 25, `横坐标为 8 位且前两位为带号 ${zone}（3度带）`,
          `the 8-digit eastings start with zone ${zone} (3-degree)`)
      }
      if (zone >= 13 && zone <= 23) {
        return inferred(4491 + zone - 13, `横坐标为 8 位且前两位为带号 ${zone}（6度带）`,
          `the 8-digit eastings start with zone ${zone} (6-degree)`)
      }
    }
    if (sixDigitCandidates(bbox)) {
      throw ingestError('crs_unknown', {
        file,
        why: '横坐标为 6 位（不带带号），且没有市域范围可供判断中央经线 / the eastings have 6 digits (no zone number) and no city extent is at hand to tell the central meridian',
      })
    }
  }
  throw ingestError('crs_unknown', {
    file,
    why: `范围 ${bbox.map((v) => Math.round(v)).join(', ')} 既不像经纬度也不像高斯-克吕格坐标 / ` +
      `the extent ${bbox.map((v) => Math.round(v)).join(', ')} looks neither like degrees nor like Gauss-Kruger metres`,
  })
}

/**
 * Null if the extent is plausible in `epsg`, else why not. Catches the classic mistakes: a .prj
 * saying CM 111E over zone-prefixed eastings (37xxxxxx), or a GK .prj over degrees.
 */
export function bboxMisfit(epsg: number, bbox: Bbox): string | null {
  const info = TABLE.get(epsg)
  if (!info) return `EPSG:${epsg} is not supported`
  if (!bbox.every(Number.isFinite)) return 'the extent is not numeric'
  const [minX, minY, maxX, maxY] = bbox
  if (info.kind === 'geographic') {
    return isDegrees(bbox) ? null : `coordinates such as ${Math.round(maxX)}, ${Math.round(maxY)} are not degrees`
  }
  if (epsg === 3857) {
    const lim = 20037508.35
    return [minX, minY, maxX, maxY].every((v) => Math.abs(v) <= lim) ? null : 'outside the Web Mercator square'
  }
  if (isDegrees(bbox)) return 'the coordinates are degrees, not metres'
  const fe = info.falseEasting ?? 500000
  // A GK zone spans well under ±400 km of easting from its meridian at China's latitudes.
  const lo = fe - 400_000
  const hi = fe + 400_000
  if (minX < lo || maxX > hi) {
    return `eastings ${Math.round(minX)}–${Math.round(maxX)} lie outside ${lo}–${hi} expected for this zone`
  }
  if (minY < -10_000_000 || maxY > 10_000_000) return `northings ${Math.round(minY)}–${Math.round(maxY)} are impossible`
  return null
}
