/** The zipped shapefile of an export: .shp/.shx (ESRI Shapefile Technical Description, 1998),
 * .dbf (dBASE III) in GBK with a .cpg saying so, the ESRI WKT .prj of the CRS, and a field-name
 * table (字段表.csv: the 10-byte DBF name → Chinese title → what it holds).
 *
 * Written here rather than with a library: @mapbox/shp-write builds the whole file in memory and
 * writes DBF text as UTF-8 only, dbffile writes GBK but a record at a time through a file it
 * re-opens; an export streams any number of features. The shapes go to .shp/.shx on disk as they
 * come (their headers are patched at the end), the attribute rows to a JSON-lines file while the
 * widest value of each field is measured, and the .dbf is written from it with fields exactly as
 * wide as needed. Memory holds one batch, whatever the count. */
import fs from 'node:fs'
import { mkdtemp, open, rm, writeFile, type FileHandle } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import archiver from 'archiver'
import iconv from 'iconv-lite'
import type { Geometry, Position } from 'geojson'
import { BOM, csvField } from '../governance/csv'
import { esriWkt, crsName } from './crs'
import type { ExportContext, Writer } from './writer'

const SHP_NULL = 0
const SHP_POINT = 1
const SHP_POLYGON = 5

/** A file written in order through a buffer (one write call per MiB). */
class Appender {
  private chunks: Buffer[] = []
  private size = 0
  written = 0
  constructor(readonly fh: FileHandle) {}
  async add(b: Buffer): Promise<void> {
    this.chunks.push(b)
    this.size += b.length
    this.written += b.length
    if (this.size >= 1 << 20) await this.flush()
  }
  async flush(): Promise<void> {
    if (!this.size) return
    const all = Buffer.concat(this.chunks)
    this.chunks = []
    this.size = 0
    await this.fh.write(all)
  }
}

/** DBF field names: 10 bytes, ASCII here, unique (case-insensitively, as readers compare them). */
export function dbfNames(names: readonly string[]): string[] {
  const taken = new Set<string>()
  return names.map((n) => {
    let base = n.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 10) || 'field'
    let k = 1
    while (taken.has(base.toUpperCase())) base = `${n.slice(0, 10 - String(++k).length - 1)}_${k}`
    taken.add(base.toUpperCase())
    return base
  })
}

/** GBK bytes of `s`, cut at a character boundary to at most `max` bytes. */
function gbk(s: string, max = 254): Buffer {
  let b = iconv.encode(s, 'gbk')
  if (b.length <= max) return b
  let chars = [...s]
  while (b.length > max) {
    chars = chars.slice(0, -1)
    b = iconv.encode(chars.join(''), 'gbk')
  }
  return b
}

interface FieldStat { kind: 'C' | 'N' | 'L'; width: number; decimals: number }

function numberText(v: number, decimals: number): string {
  return decimals ? v.toFixed(decimals) : String(Math.round(v))
}

function shapeOf(g: Geometry | null): { type: number; content: Buffer; box: [number, number, number, number] | null } {
  if (g && g.type === 'Point') {
    const b = Buffer.alloc(20)
    b.writeInt32LE(SHP_POINT, 0)
    b.writeDoubleLE(g.coordinates[0]!, 4)
    b.writeDoubleLE(g.coordinates[1]!, 12)
    return { type: SHP_POINT, content: b, box: [g.coordinates[0]!, g.coordinates[1]!, g.coordinates[0]!, g.coordinates[1]!] }
  }
  // rings as PostGIS oriented them (ST_ForcePolygonCW: outer clockwise, holes anti-clockwise, as
  // the specification wants them)
  const rings: Position[][] = !g ? [] : g.type === 'Polygon' ? g.coordinates : g.type === 'MultiPolygon' ? g.coordinates.flat() : []
  if (!rings.length) {
    const b = Buffer.alloc(4)
    b.writeInt32LE(SHP_NULL, 0)
    return { type: SHP_NULL, content: b, box: null }
  }
  const points = rings.reduce((n, r) => n + r.length, 0)
  const b = Buffer.alloc(44 + 4 * rings.length + 16 * points)
  let xmin = Infinity, ymin = Infinity, xmax = -Infinity, ymax = -Infinity
  b.writeInt32LE(SHP_POLYGON, 0)
  b.writeInt32LE(rings.length, 36)
  b.writeInt32LE(points, 40)
  let at = 44 + 4 * rings.length
  let start = 0
  rings.forEach((r, i) => {
    b.writeInt32LE(start, 44 + 4 * i)
    start += r.length
    for (const [x, y] of r) {
      b.writeDoubleLE(x!, at)
      b.writeDoubleLE(y!, at + 8)
      at += 16
      if (x! < xmin) xmin = x!
      if (x! > xmax) xmax = x!
      if (y! < ymin) ymin = y!
      if (y! > ymax) ymax = y!
    }
  })
  b.writeDoubleLE(xmin, 4)
  b.writeDoubleLE(ymin, 12)
  b.writeDoubleLE(xmax, 20)
  b.writeDoubleLE(ymax, 28)
  return { type: SHP_POLYGON, content: b, box: [xmin, ymin, xmax, ymax] }
}

function mainHeader(type: number, bytes: number, box: [number, number, number, number]): Buffer {
  const h = Buffer.alloc(100)
  h.writeInt32BE(9994, 0)
  h.writeInt32BE(bytes / 2, 24)
  h.writeInt32LE(1000, 28)
  h.writeInt32LE(type, 32)
  box.forEach((v, i) => h.writeDoubleLE(v, 36 + 8 * i))
  return h
}

export function writeShapefileZip(ctx: ExportContext): Writer {
  const names = dbfNames(ctx.columns.map((c) => c.name))
  const stats: FieldStat[] = ctx.columns.map((c) => ({ kind: c.type === 'Number' ? 'N' : c.type === 'Boolean' ? 'L' : 'C', width: 1, decimals: 0 }))
  const base = ctx.c.id
  const type = ctx.c.kind === 'point' ? SHP_POINT : SHP_POLYGON
  let dir: string | null = null
  let shp: Appender, shx: Appender, rows: Appender
  let n = 0
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity]

  async function start(): Promise<void> {
    if (dir) return
    dir = await mkdtemp(path.join(os.tmpdir(), 'onemap-export-'))
    shp = new Appender(await open(path.join(dir, `${base}.shp`), 'w'))
    shx = new Appender(await open(path.join(dir, `${base}.shx`), 'w'))
    rows = new Appender(await open(path.join(dir, 'rows.jsonl'), 'w'))
    await shp.add(Buffer.alloc(100))
    await shx.add(Buffer.alloc(100))
    // the archive is done with the folder once the reader has the last byte (or has gone)
    ctx.out.stream.once('close', () => { void rm(dir!, { recursive: true, force: true }) })
  }

  async function writeDbf(): Promise<void> {
    const fields = stats.map((s) => (s.kind === 'L' ? { ...s, width: 1 } : s.kind === 'N' ? { ...s, width: Math.min(Math.max(s.width, 1), 20) } : { ...s, width: Math.min(Math.max(s.width, 1), 254) }))
    const fh = await open(path.join(dir!, `${base}.dbf`), 'w')
    const out = new Appender(fh)
    const recordLength = 1 + fields.reduce((t, f) => t + f.width, 0)
    const h = Buffer.alloc(32 + 32 * fields.length + 1)
    const now = new Date()
    h.writeUInt8(0x03, 0)
    h.writeUInt8(now.getFullYear() - 1900, 1)
    h.writeUInt8(now.getMonth() + 1, 2)
    h.writeUInt8(now.getDate(), 3)
    h.writeUInt32LE(n, 4)
    h.writeUInt16LE(h.length, 8)
    h.writeUInt16LE(recordLength, 10)
    h.writeUInt8(0x4d, 29) // language driver: Chinese GBK (code page 936), as the .cpg says
    fields.forEach((f, i) => {
      const at = 32 + 32 * i
      h.write(names[i]!, at, 'latin1')
      h.write(f.kind, at + 11, 'latin1')
      h.writeUInt8(f.width, at + 16)
      h.writeUInt8(f.kind === 'N' ? f.decimals : 0, at + 17)
    })
    h.writeUInt8(0x0d, h.length - 1)
    await out.add(h)
    const lines = readline.createInterface({ input: fs.createReadStream(path.join(dir!, 'rows.jsonl'), 'utf8'), crlfDelay: Infinity })
    for await (const line of lines) {
      const values = JSON.parse(line) as unknown[]
      const rec = Buffer.alloc(recordLength, 0x20)
      let at = 1
      fields.forEach((f, i) => {
        const v = values[i]
        if (v !== null && v !== undefined) {
          if (f.kind === 'C') gbk(String(v), f.width).copy(rec, at)
          else if (f.kind === 'L') rec.write(v ? 'T' : 'F', at, 'latin1')
          else {
            const s = numberText(Number(v), f.decimals)
            rec.write(s.padStart(f.width, ' '), at, 'latin1')
          }
        } else if (f.kind === 'L') rec.write('?', at, 'latin1')
        at += f.width
      })
      await out.add(rec)
    }
    await out.add(Buffer.from([0x1a]))
    await out.flush()
    await fh.close()
  }

  return {
    async add(row) {
      await start()
      const s = shapeOf(row.geometry ? JSON.parse(row.geometry) as Geometry : null)
      n++
      const rec = Buffer.alloc(8)
      rec.writeInt32BE(n, 0)
      rec.writeInt32BE(s.content.length / 2, 4)
      const idx = Buffer.alloc(8)
      idx.writeInt32BE(shp.written / 2, 0)
      idx.writeInt32BE(s.content.length / 2, 4)
      await shx.add(idx)
      await shp.add(rec)
      await shp.add(s.content)
      if (s.box) {
        box[0] = Math.min(box[0], s.box[0]); box[1] = Math.min(box[1], s.box[1])
        box[2] = Math.max(box[2], s.box[2]); box[3] = Math.max(box[3], s.box[3])
      }
      row.values.forEach((v, i) => {
        const st = stats[i]!
        if (v === null || v === undefined) return
        if (st.kind === 'C') st.width = Math.max(st.width, gbk(String(v)).length)
        else if (st.kind === 'N' && typeof v === 'number' && Number.isFinite(v)) {
          const s = String(v)
          const dot = s.indexOf('.')
          const decimals = dot < 0 || /e/i.test(s) ? 0 : Math.min(s.length - dot - 1, 8)
          st.decimals = Math.max(st.decimals, decimals)
          st.width = Math.max(st.width, Math.trunc(Math.abs(v)).toString().length + (v < 0 ? 1 : 0) + (st.decimals ? st.decimals + 1 : 0))
        }
      })
      await rows.add(Buffer.from(`${JSON.stringify(row.values)}\n`, 'utf8'))
    },
    async end() {
      await start()
      for (const a of [shp, shx, rows]) await a.flush()
      const bbox: [number, number, number, number] = n && Number.isFinite(box[0]) ? box : [0, 0, 0, 0]
      await shp.fh.write(mainHeader(type, shp.written, bbox), 0, 100, 0)
      await shx.fh.write(mainHeader(type, shx.written, bbox), 0, 100, 0)
      for (const a of [shp, shx, rows]) await a.fh.close()
      // widths of numbers with decimals: the integer part may have been measured before the
      // decimals were known; count again with the final decimals
      stats.forEach((s) => { if (s.kind === 'N' && s.decimals) s.width = Math.max(s.width, s.decimals + 2) })
      await writeDbf()
      await writeFile(path.join(dir!, `${base}.prj`), esriWkt(ctx.crs))
      await writeFile(path.join(dir!, `${base}.cpg`), 'GBK')
      const table = [['DBF字段名', '中文名', '说明'], ...ctx.columns.map((c, i) => [
        names[i]!, c.title,
        `${c.domain ? `${c.title.replace(/（名称）$/, '')}的中文名称` : c.type === 'Number' ? '数值' : c.type === 'Boolean' ? '是否（T/F）' : '文本'}${c.sensitive ? '；涉密字段，仅授权角色可见' : ''}`,
      ])]
      const readme = `${BOM}${table.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`
      const zip = archiver('zip', { zlib: { level: 6 } })
      zip.on('error', (e) => ctx.out.stream.destroy(e))
      zip.pipe(ctx.out.stream)
      for (const ext of ['shp', 'shx', 'dbf', 'prj', 'cpg']) zip.file(path.join(dir!, `${base}.${ext}`), { name: `${base}.${ext}` })
      zip.append(readme, { name: '字段表.csv' })
      zip.append(`${ctx.c.title}：${n} 个要素\r\n坐标系：${crsName(ctx.crs)}\r\n属性编码：GBK（见 ${base}.cpg）\r\n字段名与中文名见 字段表.csv\r\n`, { name: '说明.txt' })
      await zip.finalize()
      // the archive has read every file by now: the folder goes here, and the 'close' above is for a
      // reader gone before this (with 'close' alone, finished exports' folders were seen left behind)
      await rm(dir!, { recursive: true, force: true })
    },
  }
}
