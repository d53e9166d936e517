/** The export formats, each a writer taking the features one by one and writing them out as they
 * come (GeoJSON, CSV, KML, XLSX: streamed to the reader; the shapefile: through files on disk,
 * zipped at the end; GeoPackage: a SQLite file on disk, sent once complete; DXF: built whole in
 * memory, under a stated limit). */
import ExcelJS from 'exceljs'
import Drawing, { type TagsManager } from 'dxf-writer'
import iconv from 'iconv-lite'
import type { Geometry, Position } from 'geojson'
import { BOM, csvField } from '../governance/csv'
import { crsName, crsUrn, type ExportCrs } from './crs'
import type { ExportContext, Writer } from './writer'
import type { ExportRow, Needs } from './source'
import { writeShapefileZip } from './shapefile'
import { writeGeoPackage } from './gpkg'

export interface Format {
  id: 'geojson' | 'csv' | 'kml' | 'xlsx' | 'shp' | 'gpkg' | 'dxf'
  ext: string
  media: string
  title: string
  needs: Needs
  /** Why this CRS cannot be written in this format (a 400), or null. */
  refuses(crs: ExportCrs): string | null
  /** Built whole in memory: at most config.exportMemoryLimit features (ONEMAP_EXPORT_MEMORY_LIMIT);
   * more is refused with a 413 naming the limit. */
  inMemory: boolean
  make(ctx: ExportContext): Writer
}

const any = () => null
const geom = (row: ExportRow): Geometry | null => (row.geometry ? JSON.parse(row.geometry) as Geometry : null)

/** The feature's name in KML and DXF: its code where the collection has one, else its key. */
function nameOf(ctx: ExportContext, row: ExportRow): string {
  for (const n of ['code', 'parcel_code', 'contract_no', 'approval_no', 'name']) {
    const i = ctx.columns.findIndex((c) => c.source === n && !c.domain)
    if (i >= 0 && row.values[i] !== null && row.values[i] !== '') return String(row.values[i])
  }
  return row.key
}

// ---------------------------------------------------------------------------------------------
// GeoJSON: RFC 7946 (lon/lat, no crs member) in EPSG:4326/CRS84; in CGCS2000 or a GK zone the
// 2008 `crs` member names the CRS, so GDAL and QGIS read the right one (RFC 7946 §4 leaves other
// CRSs to prior arrangement; GDAL's writer does the same).
function geojson(ctx: ExportContext): Writer {
  let first = true
  const head = {
    type: 'FeatureCollection', name: ctx.c.id,
    ...(ctx.crs.srid === 4326 ? {} : { crs: { type: 'name', properties: { name: crsUrn(ctx.crs) } } }),
  }
  const open = `${JSON.stringify(head).slice(0, -1)},"features":[\n`
  return {
    async add(row) {
      const props = Object.fromEntries(ctx.columns.map((c, i) => [c.name, row.values[i]]))
      const id = ctx.c.key.type === 'bigint' ? Number(row.key) : row.key
      await ctx.out.write(`${first ? open : ',\n'}{"type":"Feature","id":${JSON.stringify(id)},"geometry":${row.geometry ?? 'null'},"properties":${JSON.stringify(props)}}`)
      first = false
    },
    async end() {
      await ctx.out.write(`${first ? open : '\n'}]}\n`)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180, UTF-8 with BOM for Excel): the fields by their Chinese titles, a representative
// point inside each shape (经度/纬度 in degrees, X/Y in a GK zone), the shape as WKT, and the CRS
// in a column of its own on every row (坐标系): a first comment line would break GDAL's CSV
// driver and Excel's header row alike, a column is read by both.
function csv(ctx: ExportContext): Writer {
  const xy = ctx.crs.kind === 'gk' ? ['X', 'Y'] : ['经度', '纬度']
  let started = false
  const name = crsName(ctx.crs)
  return {
    async add(row) {
      const head = started ? '' : `${BOM}${[...ctx.columns.map((c) => c.title), ...xy, 'WKT', '坐标系'].map(csvField).join(',')}\r\n`
      started = true
      await ctx.out.write(`${head}${[...row.values as (string | number | boolean | null)[], row.x, row.y, row.wkt, name].map(csvField).join(',')}\r\n`)
    },
    async end() {
      if (!started) await ctx.out.write(`${BOM}${[...ctx.columns.map((c) => c.title), ...xy, 'WKT', '坐标系'].map(csvField).join(',')}\r\n`)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// KML 2.2: always WGS 84 lon/lat (OGC 07-147r2 §6.2); each feature a Placemark named by its code,
// its fields as ExtendedData with their Chinese titles as displayName.
const xml = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!)
const ring = (r: Position[]) => `<LinearRing><coordinates>${r.map((p) => `${p[0]},${p[1]}`).join(' ')}</coordinates></LinearRing>`
const polygon = (p: Position[][]) => `<Polygon>${p.map((r, i) => (i === 0 ? `<outerBoundaryIs>${ring(r)}</outerBoundaryIs>` : `<innerBoundaryIs>${ring(r)}</innerBoundaryIs>`)).join('')}</Polygon>`
function kmlGeometry(g: Geometry | null): string {
  if (!g) return ''
  switch (g.type) {
    case 'Point': return `<Point><coordinates>${g.coordinates[0]},${g.coordinates[1]}</coordinates></Point>`
    case 'Polygon': return polygon(g.coordinates)
    case 'MultiPolygon': return `<MultiGeometry>${g.coordinates.map(polygon).join('')}</MultiGeometry>`
    default: return ''
  }
}
function kml(ctx: ExportContext): Writer {
  let started = false
  const open = async () => {
    if (started) return
    started = true
    const schema = ctx.columns.map((c) => `<SimpleField name="${xml(c.name)}" type="${c.type === 'Number' ? 'double' : c.type === 'Boolean' ? 'bool' : 'string'}"><displayName>${xml(c.title)}</displayName></SimpleField>`).join('')
    await ctx.out.write(`<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document id="root"><name>${xml(ctx.c.title)}</name>\n`
      + `<Schema name="${xml(ctx.c.id)}" id="${xml(ctx.c.id)}">${schema}</Schema>\n<Folder><name>${xml(ctx.c.title)}</name>\n`)
  }
  return {
    async add(row) {
      await open()
      const data = ctx.columns.map((c, i) => (row.values[i] === null ? '' : `<SimpleData name="${xml(c.name)}">${xml(String(row.values[i]))}</SimpleData>`)).join('')
      await ctx.out.write(`<Placemark id="${xml(`${ctx.c.id}.${row.key}`)}"><name>${xml(nameOf(ctx, row))}</name>`
        + `<ExtendedData><SchemaData schemaUrl="#${xml(ctx.c.id)}">${data}</SchemaData></ExtendedData>${kmlGeometry(geom(row))}</Placemark>\n`)
    },
    async end() {
      await open()
      await ctx.out.write('</Folder></Document></kml>\n')
    },
  }
}

// ---------------------------------------------------------------------------------------------
// XLSX, streamed (exceljs WorkbookWriter): the fields by their Chinese titles, numbers as numbers,
// the representative point, the WKT (an Excel cell holds 32 767 characters at most: a longer
// shape says so in its cell) and the CRS.
const XLSX_CELL = 32_767
function xlsx(ctx: ExportContext): Writer {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: ctx.out.stream, useStyles: true, useSharedStrings: false })
  wb.creator = 'OneMap'
  const ws = wb.addWorksheet(ctx.c.title.slice(0, 31), { views: [{ state: 'frozen', ySplit: 1 }] })
  const xy = ctx.crs.kind === 'gk' ? ['X', 'Y'] : ['经度', '纬度']
  ws.columns = [
    ...ctx.columns.map((c, i) => ({ header: c.title, key: `c${i}`, width: c.type === 'Number' ? 14 : 20 })),
    { header: xy[0]!, key: 'x', width: 16 }, { header: xy[1]!, key: 'y', width: 16 },
    { header: 'WKT', key: 'wkt', width: 40 }, { header: '坐标系', key: 'crs', width: 30 },
  ]
  ws.getRow(1).font = { bold: true }
  ws.getRow(1).commit()
  const name = crsName(ctx.crs)
  let n = 0
  return {
    async add(row) {
      const values: unknown[] = row.values.map((v) => (typeof v === 'boolean' ? (v ? '是' : '否') : v))
      const wkt = row.wkt && row.wkt.length > XLSX_CELL ? '（图形超过 Excel 单元格上限 32767 字符，请用 GeoJSON 或 Shapefile 导出）' : row.wkt
      ws.addRow([...values, row.x, row.y, wkt, name]).commit()
      // exceljs writes into its zip stream without waiting: let the reader catch up every 1000 rows
      if (++n % 1000 === 0) await ctx.out.write('')
    },
    async end() {
      ws.commit()
      await wb.commit()
    },
  }
}

// ---------------------------------------------------------------------------------------------
// DXF (AutoCAD R2000, AC1015, in code page ANSI_936, i.e. GBK, as $DWGCODEPAGE says: the R2007
// UTF-8 form dxf-writer writes by default is read as ANSI_1252 by GDAL 3.6, which turns Chinese
// layer names and labels to mojibake; R2000 with its code page is read right by AutoCAD, 中望CAD
// and GDAL alike): each polygon ring a closed LWPOLYLINE on a layer per class (parcels: 分类; else
// the collection), under them each feature as one HATCH holding all its rings (the parts and the
// holes of one parcel: a polyline cannot say which rings go together; GDAL writes polygons as
// hatches too) on one layer named by the collection, in its class's colour, the feature's code as
// TEXT at a point inside it, in the Gauss-Krüger zone asked for (metres: a DXF has no CRS, the zone
// is in the file name). The upload (server/ingest/dxf.ts) reads the hatches as the features and
// their outlines as outlines: the file is one layer of parcels to it, and comes back unchanged.
const DXF_COLOURS = [1, 2, 3, 4, 5, 6, 30, 140, 200, 40]

/** dxf-writer's entities are objects with a handle of the drawing's sequence whose tags are written
 * at the end (toDxfString). */
interface DxfShape { handle: string; ownerObjectHandle: string; layer: { name: string }; tags: (m: TagsManager) => void }

/** A solid HATCH of closed polyline loops, its groups as the DXF reference (R2000) gives them and as
 * GDAL writes them: elevation point, extrusion, pattern SOLID, solid fill, not associative, the loops
 * (92 flags: 2 polyline, +1 external for a part's outer ring), odd parity, no seed points. */
function hatchTags(m: TagsManager, h: DxfShape, colour: number, loops: { ring: Position[]; outer: boolean }[]): void {
  m.push(0, 'HATCH')
  m.push(5, h.handle)
  m.push(330, h.ownerObjectHandle)
  m.push(100, 'AcDbEntity')
  m.push(8, h.layer.name)
  m.push(62, colour)
  m.push(100, 'AcDbHatch')
  for (const [code, v] of [[10, 0], [20, 0], [30, 0], [210, 0], [220, 0], [230, 1]] as const) m.push(code, v)
  m.push(2, 'SOLID')
  m.push(70, 1)
  m.push(71, 0)
  m.push(91, loops.length)
  for (const { ring, outer } of loops) {
    m.push(92, outer ? 3 : 2)
    m.push(72, 0)
    m.push(73, 1)
    m.push(93, ring.length - 1)
    for (const p of ring.slice(0, -1)) {
      m.push(10, p[0]!)
      m.push(20, p[1]!)
    }
    m.push(97, 0)
  }
  m.push(75, 0)
  m.push(76, 1)
  m.push(98, 0)
}

function dxf(ctx: ExportContext): Writer {
  const d = new Drawing()
  d.setUnits('Meters')
  // dxf-writer's typings take numbers only; its header writes any group value (src/Drawing.js)
  const text = (code: number, v: string) => [code, v] as unknown as [number, number]
  d.header('ACADVER', [text(1, 'AC1015')])
  d.header('DWGCODEPAGE', [text(3, 'ANSI_936')])
  const layers = new Map<string, number>()
  // the hatches' layer first: drawn under the outlines and the codes
  const hatchLayer = ctx.c.title.replace(/[<>/\\":;?*|=`]/g, '_')
  d.addLayer(hatchLayer, 7, 'CONTINUOUS')
  const classIdx = ctx.columns.findIndex((c) => c.source === 'class' && c.domain)
  const layerOf = (row: ExportRow) => {
    const cls = classIdx >= 0 ? (row.values[classIdx] as string | null) : null
    const name = (cls ? `${ctx.c.title}_${cls}` : `${ctx.c.title}_未分类`).replace(/[<>/\\":;?*|=`]/g, '_')
    if (!layers.has(name)) {
      layers.set(name, DXF_COLOURS[layers.size % DXF_COLOURS.length]!)
      d.addLayer(name, layers.get(name)!, 'CONTINUOUS')
    }
    return name
  }
  const polygons = (g: Geometry | null): Position[][][] => (!g ? [] : g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [])
  const lastShape = () => (d as unknown as { activeLayer: { getShapes(): DxfShape[] } }).activeLayer.getShapes().at(-1)!
  return {
    async add(row) {
      const layer = layerOf(row)
      const g = geom(row)
      const parts = polygons(g)
      if (parts.length) {
        // a shape of dxf-writer's for the hatch's handle and place, its tags ours
        d.setActiveLayer(hatchLayer)
        d.drawPolyline([], false)
        const hatch = lastShape()
        const loops = parts.flatMap((rings) => rings.map((ring, k) => ({ ring, outer: k === 0 })))
        hatch.tags = (m) => hatchTags(m, hatch, layers.get(layer)!, loops)
      }
      d.setActiveLayer(layer)
      if (g?.type === 'Point') d.drawPoint(g.coordinates[0]!, g.coordinates[1]!)
      for (const r of parts.flat()) d.drawPolyline(r.slice(0, -1).map((p) => [p[0]!, p[1]!] as [number, number]), true)
      if (row.x !== null && row.y !== null) d.drawText(row.x, row.y, 2.5, 0, nameOf(ctx, row), 'center', 'middle')
    },
    async end() {
      await ctx.out.write(iconv.encode(d.toDxfString(), 'gbk'))
    },
  }
}

export const FORMATS: readonly Format[] = [
  { id: 'geojson', ext: 'geojson', media: 'application/geo+json', title: 'GeoJSON', needs: { orient: 'ccw' }, refuses: any, inMemory: false, make: geojson },
  { id: 'csv', ext: 'csv', media: 'text/csv; charset=utf-8', title: 'CSV', needs: { point: true, wkt: true }, refuses: any, inMemory: false, make: csv },
  {
    id: 'kml', ext: 'kml', media: 'application/vnd.google-earth.kml+xml', title: 'KML', needs: {}, inMemory: false, make: kml,
    refuses: (crs) => (crs.kind === 'geographic' ? null : 'KML 只用经纬度（EPSG:4490 或 EPSG:4326）/ KML is always WGS 84 longitude/latitude: use crs=EPSG:4490 or EPSG:4326'),
  },
  { id: 'xlsx', ext: 'xlsx', media: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', title: 'Excel', needs: { point: true, wkt: true }, refuses: any, inMemory: false, make: xlsx },
  { id: 'shp', ext: 'zip', media: 'application/zip', title: 'Shapefile', needs: { orient: 'cw' }, refuses: any, inMemory: false, make: writeShapefileZip },
  { id: 'gpkg', ext: 'gpkg', media: 'application/geopackage+sqlite3', title: 'GeoPackage', needs: { wkb: true }, refuses: any, inMemory: false, make: writeGeoPackage },
  {
    id: 'dxf', ext: 'dxf', media: 'application/dxf', title: 'DXF', needs: { point: true }, inMemory: true, make: dxf,
    refuses: (crs) => (crs.kind === 'gk' ? null : 'DXF 用高斯-克吕格平面坐标（米）/ DXF is written in a Gauss-Krüger zone (metres): use crs=EPSG:4546, 4547, 4525 or 4526'),
  },
]

export const FORMAT_IDS = FORMATS.map((f) => f.id)
