/**
 * Read an upload (a zip of shapefiles, a GeoJSON file, or a 国土 coordinate TXT: txt.ts) as a
 * stream of features in their
 * source CRS with their original attribute names, plus a description of what was decided
 * (encoding, CRS, fields, count) for the upload preview.
 *
 * Everything that can be checked before the first feature is checked in openUpload, so a
 * broken file is refused whole, not half-imported: zip safety, missing parts, truncated
 * .shp, wrong DBF record counts, shape/record count mismatch, CRS, geometry type.
 *
 * Bad coordinates: in a GeoJSON file they refuse the upload (IngestError, the whole file is
 * validated up front); in a shapefile, which is streamed, a record with NaN/Infinity or
 * impossible coordinates (or a damaged record) is yielded with geometry null and a `problems`
 * entry, so one bad record in a million does not abort the rest and the import step can list it.
 *
 * GeoJSON size: parsed whole, so files above `maxGeoJsonBytes` are refused with 413 asking for
 * a zipped shapefile instead; an incremental JSON parser would need a package we do not have.
 */
import { open as openFile, readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Geometry, MultiPolygon, Polygon, Position } from 'geojson'
import gjv from 'geojson-validation'
import iconv from 'iconv-lite'
import { type Bbox, type CrsDecision, bboxMisfit, detectCrsFromCode, detectCrsFromPrj, epsgFromCrsName, requireSupportedEpsg } from './crs'
import { type Placer, decideCrs } from './crs-decide'
import { type DbfHeader, type DbfRecord, decodeFieldNames, readDbfHeader, readDbfRecords, sampleTextBytes } from './dbf'
import { type EncodingDecision, decodeText, declaredEncoding, decideEncoding, requireEncoding } from './encoding'

/** The encodings county shapefiles come in (DOMAIN.md: GBK, declared or not; UTF-8 from newer tools). */
const ALTERNATIVE_ENCODINGS = ['gbk', 'utf8'] as const
import { readDxf } from './dxf'
import { ingestError } from './errors'
import { readGpkg } from './gpkg'
import { kmlOfKmz, readKml } from './kml'
import { openLayers } from './layered'
import { readCsv, readXlsx } from './table'
import { type FeatureProblem, POLYGONAL, checkGeometry, extent } from './geometry-check'
import type { LayerName } from './field-mapping'
import { MAX_ABS_COORDINATE, inspectShapefile, isPolygonShapeType, readPolygonRecords } from './shp'
import { blockPolygon, blockProperties, decideTxtEncoding, decodeTxt, parseTxt, placeTxt, TXT_FIELDS } from './txt'
import { DEFAULT_ZIP_LIMITS, type ShapefileSet, type ZipLimits, extractShapefiles } from './zip'

export const DEFAULT_READ_LIMITS: ReadLimits = {
  ...DEFAULT_ZIP_LIMITS,
  // JSON.parse needs several times the file size in heap; 64 MiB of GeoJSON is ~100k parcels.
  maxGeoJsonBytes: 64 * 1024 * 1024,
  sniffBytes: 8 * 1024 * 1024,
}

export type { FeatureProblem, FeatureProblemCode } from './geometry-check'
export type { ReadLimits, ReadOptions, SourceDescription, SourceFeature, UploadDescription, UploadLayerInfo, UploadReader } from './reader-types'
import type { ReadLimits, ReadOptions, SourceDescription, SourceFeature, UploadDescription, UploadReader } from './reader-types'

export type UploadKind = 'zip' | 'geojson' | 'txt' | 'geojsonseq' | 'gpkg' | 'kml' | 'kmz' | 'dxf' | 'csv' | 'xlsx'

const KIND_BY_EXTENSION: readonly (readonly [RegExp, UploadKind])[] = [
  [/\.(geo)?json$/i, 'geojson'], [/\.(geojsons|geojsonl|geojsonseq|ndjson|jsonl)$/i, 'geojsonseq'], [/\.gpkg$/i, 'gpkg'],
  [/\.kml$/i, 'kml'], [/\.kmz$/i, 'kmz'], [/\.dxf$/i, 'dxf'], [/\.(csv|tsv)$/i, 'csv'], [/\.xlsx$/i, 'xlsx'],
]

/** Open and vet an upload. Throws IngestError; leaves no temp files behind when it does. */
export async function openUpload(path: string, options: ReadOptions): Promise<UploadReader> {
  const limits: ReadLimits = { ...DEFAULT_READ_LIMITS, ...options.limits }
  const file = options.fileName ?? basename(path)
  if (options.encodingOverride) requireEncoding(options.encodingOverride)
  if (options.crsOverride !== undefined && options.crsOverride !== '') requireSupportedEpsg(options.crsOverride)
  const kind = await detectKind(path, file)
  switch (kind) {
    case 'txt': return openTxt(path, file, options, limits)
    case 'zip': return openShapefileZip(path, file, options, limits)
    case 'geojson': return openGeoJson(path, file, options, limits)
    case 'geojsonseq': return openGeoJsonSeq(path, file, options, limits)
    case 'gpkg': return openLayers('gpkg', file, await readGpkg(path, file), options)
    case 'kml': return openLayers('kml', file, readKml(await readWhole(path, file, limits), file), options)
    case 'kmz': return openLayers('kmz', file, readKml(await kmlOfKmz(path, file, limits), file), options)
    case 'dxf': return openLayers('dxf', file, readDxf(await readWhole(path, file, limits), file, options.encodingOverride), options)
    case 'csv': return openLayers('csv', file, readCsv(await readWhole(path, file, limits), file, options.encodingOverride), options)
    case 'xlsx': return openLayers('xlsx', file, await readXlsx(path, file, { ...limits, maxTotalBytes: Math.min(limits.maxTotalBytes, limits.maxGeoJsonBytes * 4) }), options)
  }
}

/** A whole-file format read into memory, under the same limit as a GeoJSON. */
async function readWhole(path: string, file: string, limits: ReadLimits): Promise<Buffer> {
  const { size } = await stat(path)
  if (size > limits.maxGeoJsonBytes) throw ingestError('upload_too_large', { file, max: limits.maxGeoJsonBytes })
  return readFile(path)
}

/** Convenience: every feature of an upload, cleaning up however the loop ends. */
export async function* readFeatures(path: string, options: ReadOptions): AsyncGenerator<SourceFeature, UploadDescription> {
  const reader = await openUpload(path, options)
  try {
    yield* reader.features()
    return reader.describe()
  } finally {
    await reader.close()
  }
}

/** The section names of a coordinate TXT, as UTF-8 and as GBK bytes, with ASCII or full-width brackets. */
const TXT_MARKERS: readonly Buffer[] = ['属性描述', '地块坐标'].flatMap((s) =>
  [Buffer.from(s, 'utf8'), iconv.encode(s, 'gbk')].flatMap((b) => [
    Buffer.concat([Buffer.from('['), b, Buffer.from(']')]),
    Buffer.concat([Buffer.from('【', 'utf8'), b]), Buffer.concat([iconv.encode('【', 'gbk'), b]),
  ]))

/** By content first (a zip starts with PK, a coordinate TXT has its [属性描述] or [地块坐标]), then by name. */
export async function detectKind(path: string, file: string): Promise<UploadKind> {
  const fh = await openFile(path, 'r')
  const head = Buffer.alloc(4096)
  let n: number
  try {
    ;({ bytesRead: n } = await fh.read(head, 0, head.length, 0))
  } finally {
    await fh.close()
  }
  const start = head.subarray(0, n)
  // Names first for the formats that are zips (XLSX, KMZ) or text any reader could claim; then content.
  const byName = KIND_BY_EXTENSION.find(([re]) => re.test(file))?.[1]
  if (byName === 'xlsx' || byName === 'kmz' || byName === 'gpkg' || byName === 'dxf' || byName === 'csv' || byName === 'geojsonseq') return byName
  if (n >= 4 && head.readUInt16LE(0) === 0x4b50) return 'zip' // "PK"
  if (/\.zip$/i.test(file)) return 'zip' // let the zip reader say why it is not one
  if (start.subarray(0, 16).toString('latin1') === 'SQLite format 3\u0000') return 'gpkg'
  if (TXT_MARKERS.some((m) => start.includes(m))) return 'txt'
  if (byName) return byName
  const text = head.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').trimStart()
  if (text.startsWith('{')) {
    // One feature per line (RFC 8142 without the RS, as ogr2ogr writes GeoJSONSeq)
    const lines = text.split('\n')
    return lines.length > 2 && lines[1]!.trimStart().startsWith('{') && lines[0]!.trimEnd().endsWith('}') ? 'geojsonseq' : 'geojson'
  }
  if (text.startsWith('\u001e')) return 'geojsonseq'
  if (/^<\?xml[\s\S]*<kml\b|^<kml\b/.test(text)) return 'kml'
  if (/^0\s*\r?\n\s*SECTION\s*\r?\n/.test(text)) return 'dxf'
  throw ingestError('upload_unknown_kind', { file })
}

// ---------------------------------------------------------------------------------------------
// Shapefiles

interface PreparedSet {
  set: ShapefileSet
  description: SourceDescription
  /** With field names decoded in `encoding`. */
  header: DbfHeader
  encoding: string
}

async function openShapefileZip(path: string, file: string, options: ReadOptions, limits: ReadLimits): Promise<UploadReader> {
  const extracted = await extractShapefiles(path, limits, file)
  try {
    const prepared: PreparedSet[] = []
    for (const set of extracted.sets) prepared.push(await prepareSet(set, options, limits))
    const description: UploadDescription = {
      kind: 'shapefile',
      file,
      sources: prepared.map((p) => p.description),
      featureCount: prepared.reduce((n, p) => n + p.description.featureCount, 0),
    }
    return {
      describe: () => description,
      features: () => shapefileFeatures(prepared),
      close: extracted.cleanup,
    }
  } catch (e) {
    await extracted.cleanup()
    throw e
  }
}

async function prepareSet(set: ShapefileSet, options: ReadOptions, limits: ReadLimits): Promise<PreparedSet> {
  const shpMember = set.members.shp ?? `${set.name}.shp`
  const dbfMember = set.members.dbf ?? `${set.name}.dbf`
  const info = await inspectShapefile(set.shp, set.shx, shpMember)
  if (!isPolygonShapeType(info.shapeType)) {
    throw ingestError('shp_not_polygon', { member: shpMember, shapeType: info.shapeTypeName, layer: options.layer })
  }
  const header = await readDbfHeader(set.dbf, dbfMember)
  if (header.recordCount !== info.recordCount) {
    throw ingestError('shapefile_count_mismatch', { member: shpMember, shapes: info.recordCount, records: header.recordCount })
  }

  const cpg = set.cpg ? await readFile(set.cpg, 'latin1') : undefined
  const evidence = { override: options.encodingOverride, cpg, ldid: header.ldid }
  let encoding = declaredEncoding(evidence)
  if (!encoding) {
    const { samples, complete } = await sampleTextBytes(set.dbf, header, limits.sniffBytes)
    encoding = decideEncoding({
      ...evidence,
      textSamples: samples,
      sampleNote: complete ? undefined : `只检查了前 ${limits.sniffBytes} 字节的记录 / only the first ${limits.sniffBytes} bytes of records were checked`,
    })
  }
  const fieldNamesIf: Record<string, string[]> = {}
  for (const other of ALTERNATIVE_ENCODINGS) {
    if (other === encoding.encoding) continue
    const names = header.fields.map((f) => decodeText(f.nameBytes, other).trim())
    fieldNamesIf[other] = names
  }
  const fieldNames = decodeFieldNames(header, encoding.encoding)
  for (const [k, names] of Object.entries(fieldNamesIf)) if (names.join('\u0000') === fieldNames.join('\u0000')) delete fieldNamesIf[k]

  const prjText = set.prj ? (await readFile(set.prj, 'utf8')).replace(/^\uFEFF/, '') : undefined
  const prjFile = set.members.prj ?? shpMember
  const crs = await decideCrs({
    file: prjFile,
    bbox: info.recordCount > 0 ? info.bbox : null,
    stated: options.crsOverride,
    confirmStated: options.confirmCrs,
    declared: prjText === undefined ? undefined : () => detectCrsFromPrj(prjText, prjFile),
    place: options.place,
  })
  return {
    set,
    header,
    encoding: encoding.encoding,
    description: {
      name: set.name,
      encoding,
      crs,
      fieldNames,
      ...(Object.keys(fieldNamesIf).length ? { fieldNamesIf } : {}),
      featureCount: info.recordCount,
      geometryType: info.shapeTypeName,
    },
  }
}

async function* shapefileFeatures(prepared: PreparedSet[]): AsyncGenerator<SourceFeature> {
  let index = 0
  for (const p of prepared) {
    // Shapes are read at their .shx offsets, so shape i and record i always belong together.
    const shapes = readPolygonRecords(p.set.shp, p.set.shx, p.description.featureCount)
    const records = readDbfRecords(p.set.dbf, p.header, p.encoding)
    try {
      for (let sourceIndex = 0; ; sourceIndex++) {
        const shape = await shapes.next()
        const record: IteratorResult<DbfRecord> = await records.next()
        if (shape.done || record.done) break
        // A record the DBF marks deleted is a deleted feature (as GDAL reads it); its shape is
        // skipped with it.
        if (record.value.deleted) continue
        const checked = shape.value.problem
          ? { geometry: null, problems: [damaged(shape.value.problem)] }
          : checkGeometry(shape.value.geometry, p.description.crs.epsg)
        yield {
          index: index++,
          source: p.set.name,
          sourceIndex,
          geometry: checked.geometry,
          properties: record.value.values,
          problems: checked.problems,
        }
      }
    } finally {
      await records.return(undefined)
      await shapes.return(undefined)
    }
  }
}

const damaged = (why: string): FeatureProblem => ({
  code: 'geometry_corrupt',
  message: `图形记录损坏，无法读取 / the shape record is damaged: ${why}`,
})

// ---------------------------------------------------------------------------------------------
// 国土 coordinate TXT (界址点坐标交换格式, txt.ts)

async function openTxt(path: string, file: string, options: ReadOptions, limits: ReadLimits): Promise<UploadReader> {
  // Small text files read whole, under the same limit as a GeoJSON.
  const { size } = await stat(path)
  if (size > limits.maxGeoJsonBytes) throw ingestError('txt_too_large', { file, max: limits.maxGeoJsonBytes })
  const bytes = await readFile(path)
  const encoding = decideTxtEncoding(bytes, options.encodingOverride)
  const doc = parseTxt(decodeTxt(bytes, encoding.encoding), file)
  const { crs, swapped } = await placeTxt({
    attributes: doc.attributes, blocks: doc.blocks, file, override: options.crsOverride, confirmOverride: options.confirmCrs, place: options.place,
  })
  const extra = Math.max(0, ...doc.blocks.map((b) => b.fields.length - TXT_FIELDS.length))
  const description: UploadDescription = {
    kind: 'txt',
    file,
    sources: [{
      name: file, encoding, header: doc.attributes, crs,
      fieldNames: [...TXT_FIELDS, ...Array.from({ length: extra }, (_, i) => `属性${TXT_FIELDS.length + i + 1}`)],
      featureCount: doc.blocks.length, geometryType: 'Polygon',
    }],
    featureCount: doc.blocks.length,
  }
  let blocks: typeof doc.blocks | null = doc.blocks
  return {
    describe: () => description,
    async *features() {
      const items = blocks ?? []
      blocks = null
      for (const [i, block] of items.entries()) {
        const checked = checkGeometry(blockPolygon(block, swapped), crs.epsg)
        if (swapped) {
          checked.problems.push({
            code: 'xy_swapped',
            message: `坐标文件的 X、Y 两列顺序颠倒（X 列为东坐标），已交换后读取，请核对 / the X and Y columns of the file are swapped (X holds the eastings): read swapped, check it`,
          })
        }
        yield { index: i, source: file, sourceIndex: i, geometry: checked.geometry, properties: blockProperties(block), problems: checked.problems }
      }
    },
    close: async () => {
      blocks = null
    },
  }
}

// ---------------------------------------------------------------------------------------------
// GeoJSON

/** An escape of NUL or of a UTF-16 surrogate somewhere in a JSON text (a pair is one too: the slow
 * parse then finds nothing to mend). */
const BAD_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
/** A NUL shows as ␀ (U+2400), a lone surrogate as U+FFFD, as a UTF-8 decoder shows bytes it cannot read. */
const mendString = (s: string) => s.replace(/\u0000/g, '\u2400').replace(LONE_SURROGATE, '\uFFFD')

/** JSON.parse reviver: every string and every property name mended. */
function mendText(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return mendString(value)
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>
    if (Object.keys(o).some((k) => mendString(k) !== k)) return Object.fromEntries(Object.entries(o).map(([k, v]) => [mendString(k), v]))
  }
  return value
}

async function openGeoJson(path: string, file: string, options: ReadOptions, limits: ReadLimits): Promise<UploadReader> {
  const { size } = await stat(path)
  if (size > limits.maxGeoJsonBytes) throw ingestError('geojson_too_large', { file, max: limits.maxGeoJsonBytes })
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '')

  let doc: unknown
  try {
    // A "\u0000" or a lone "\ud800" escape is JSON but not text PostgreSQL stores (jsonb refuses
    // both): only when the text has such an escape is it parsed again, slower, mending them
    doc = JSON.parse(text, BAD_ESCAPE.test(text) ? mendText : undefined)
  } catch (e) {
    // JSON has no NaN or Infinity, but some exporters write them; say so rather than "token N".
    if (/[[,:]\s*-?(?:NaN|Infinity)\b/.test(text)) throw ingestError('geojson_nonfinite', { file, where: '' })
    throw ingestError('geojson_invalid_json', { file, cause: (e as Error).message })
  }
  return openGeoJsonDoc(doc, 'geojson', file, options)
}

/** GeoJSON Text Sequences (RFC 8142, and the newline-delimited form ogr2ogr's GeoJSONSeq writes):
 * one Feature per line, UTF-8; a line that is not one is refused by its number (from 1). */
async function openGeoJsonSeq(path: string, file: string, options: ReadOptions, limits: ReadLimits): Promise<UploadReader> {
  const { size } = await stat(path)
  if (size > limits.maxGeoJsonBytes) throw ingestError('geojson_too_large', { file, max: limits.maxGeoJsonBytes })
  const lines = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '').split('\n')
  const features: unknown[] = []
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/^\u001e/, '').trim()
    if (!line) continue
    let value: unknown
    try {
      value = JSON.parse(line, BAD_ESCAPE.test(line) ? mendText : undefined)
    } catch (e) {
      throw ingestError('geojsonseq_invalid', { file, line: i + 1, cause: (e as Error).message })
    }
    const type = (value as { type?: unknown } | null)?.type
    if (type !== 'Feature') throw ingestError('geojsonseq_invalid', { file, line: i + 1, cause: `type ${String(type)}, not Feature` })
    features.push(value)
  }
  return openGeoJsonDoc({ type: 'FeatureCollection', features }, 'geojsonseq', file, options)
}

async function openGeoJsonDoc(doc: unknown, kind: 'geojson' | 'geojsonseq', file: string, options: ReadOptions): Promise<UploadReader> {
  const features = featureList(doc, file)
  let bbox: Bbox | null = null
  const fieldNames = new Set<string>()
  for (const [i, feature] of features.entries()) {
    const fb = validateFeature(feature, i, file, options.layer)
    if (fb) bbox = bbox ? [Math.min(bbox[0], fb[0]), Math.min(bbox[1], fb[1]), Math.max(bbox[2], fb[2]), Math.max(bbox[3], fb[3])] : fb
    for (const k of Object.keys((feature.properties as Record<string, unknown> | null) ?? {})) fieldNames.add(k)
  }

  const crs = await decideGeoJsonCrs(doc as Record<string, unknown>, file, options, bbox)
  // The whole extent fits (checked above); a single feature far off is a typing error in it.
  for (const [i, feature] of features.entries()) {
    const g = feature.geometry as Polygon | MultiPolygon | null
    const e = g && extent(g)
    const misfit = e && e.count > 0 && bboxMisfit(crs.epsg, e.bbox)
    if (misfit) throw ingestError('geojson_coordinate_range', { file, index: i, what: `EPSG:${crs.epsg}: ${misfit}` })
  }

  const description: UploadDescription = {
    kind,
    file,
    sources: [{ name: file, encoding: null, crs, fieldNames: [...fieldNames], featureCount: features.length, geometryType: 'Polygon' }],
    featureCount: features.length,
  }
  let list: Record<string, unknown>[] | null = features
  return {
    describe: () => description,
    async *features() {
      const items = list ?? []
      list = null // single pass: let the parsed document go as we finish
      for (const [i, feature] of items.entries()) {
        const checked = checkGeometry(feature.geometry as Geometry | null, crs.epsg)
        yield {
          index: i,
          source: file,
          sourceIndex: i,
          geometry: checked.geometry,
          properties: { ...((feature.properties as Record<string, unknown> | null) ?? {}) },
          problems: checked.problems,
        }
      }
    },
    close: async () => {
      list = null
    },
  }
}

function featureList(doc: unknown, file: string): Record<string, unknown>[] {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw ingestError('geojson_wrong_type', { file, type: Array.isArray(doc) ? 'array' : typeof doc })
  }
  const o = doc as Record<string, unknown>
  if (o.type === 'Feature') return [o]
  if (o.type === 'FeatureCollection') {
    if (!Array.isArray(o.features)) throw ingestError('geojson_wrong_type', { file, type: 'FeatureCollection without a features array' })
    return o.features as Record<string, unknown>[]
  }
  throw ingestError('geojson_wrong_type', { file, type: String(o.type ?? 'object without "type"') })
}

/** Check one feature; returns its extent, or null for a null/empty geometry. */
function validateFeature(feature: Record<string, unknown>, i: number, file: string, layer: LayerName): Bbox | null {
  if (typeof feature !== 'object' || feature === null || feature.type !== 'Feature') {
    throw ingestError('geojson_invalid', { file, index: i, problems: 'not a Feature object' })
  }
  const g = feature.geometry as { type?: unknown } | null | undefined
  // Type first: a GeometryCollection (however deeply nested) or a Point is refused here, before
  // the validator recurses into it.
  if (g !== null && g !== undefined) {
    if (typeof g !== 'object' || typeof g.type !== 'string') {
      throw ingestError('geojson_invalid', { file, index: i, problems: 'geometry has no type' })
    }
    if (!POLYGONAL.has(g.type)) throw ingestError('geojson_geometry_type', { file, index: i, type: g.type, layer })
  }
  let problems: string[]
  try {
    // Leniency: a missing "properties" is read as null rather than refusing the file.
    problems = gjv.isFeature({ properties: null, ...feature }, true)
  } catch (e) {
    // geojson-validation throws on some malformed input (an empty ring); it is still invalid.
    problems = [(e as Error).message]
  }
  if (problems.length) throw ingestError('geojson_invalid', { file, index: i, problems: problems.slice(0, 3).join('; ') })
  if (!g) return null
  const { bbox, finite, count } = extent(g as Polygon | MultiPolygon)
  if (!finite) throw ingestError('geojson_nonfinite', { file, where: `（第 ${i + 1} 个要素 / feature ${i + 1}）` })
  if (count === 0) return null
  if (bbox.some((v) => Math.abs(v) > MAX_ABS_COORDINATE)) {
    throw ingestError('geojson_coordinate_range', { file, index: i, what: `|coordinate| > ${MAX_ABS_COORDINATE}` })
  }
  return bbox
}

/** A legacy "crs" member is the file's declaration; without one RFC 7946 says WGS 84, which holds
 * when the coordinates are degrees; otherwise the coordinates decide as for a shapefile. */
function decideGeoJsonCrs(doc: Record<string, unknown>, file: string, options: ReadOptions, bbox: Bbox | null): Promise<CrsDecision> {
  const member = doc.crs as { type?: string; properties?: Record<string, unknown> } | null | undefined
  const declared = member
    ? () => {
      const props = member.properties ?? {}
      const code =
        member.type === 'name' && typeof props.name === 'string' ? epsgFromCrsName(props.name)
        : member.type === 'EPSG' && props.code !== undefined ? Number(props.code)
        : null
      if (code === null || !Number.isInteger(code)) throw ingestError('crs_unparseable', { file })
      return detectCrsFromCode(code, file)
    }
    : undefined
  return decideCrs({
    file, bbox, stated: options.crsOverride, confirmStated: options.confirmCrs, declared, place: options.place,
    fallback: { epsg: 4326, source: 'rfc7946', reason: 'GeoJSON 未声明 crs，按 RFC 7946 为 WGS84 经纬度 / no crs member: WGS 84 degrees per RFC 7946' },
  })
}
