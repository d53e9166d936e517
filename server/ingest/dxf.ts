/**
 * DXF (AutoCAD's exchange format, the way surveyors' CAD drawings — 南方 CASS and the like — reach
 * the bureau) read with dxf-parser, plus handlers of our own for the entities it does not parse:
 * HATCH (its boundary loops) and ATTRIB (a block reference's attribute values).
 *
 * What becomes a parcel (DOMAIN.md: a parcel is a closed boundary):
 *   - a closed LWPOLYLINE or POLYLINE (flag 1), bulges followed as arcs;
 *   - a HATCH: its boundary loops, a loop inside another being that one's hole; a closed polyline
 *     that is a loop of a hatch (the same vertices, on any layer, as when a hatch is made by picking
 *     the outline, or as OneMap's own export draws each parcel: server/exports/formats.ts) or that
 *     the hatch names as its source boundary (group 330 in its boundary data) is that hatch's
 *     outline, read with it, not a parcel of its own (else the parcel would come twice, and its
 *     holes and parts as parcels without a code).
 * An open polyline is not a boundary: it is listed by layer and handle as not imported.
 * Attributes of a polygon: its layer (图层) and handle (句柄); the TEXT/MTEXT whose insertion point
 * lies inside it (文字, several joined by a space); the ATTRIB values of a block inserted inside it,
 * each under its tag. The user maps them (the parcel code is often the text inside).
 *
 * Layers: the DXF layers that hold polygons; the user picks one when there are several.
 * CRS: a DXF says none, so the coordinates decide (a zone-prefixed 8-digit easting names its zone;
 * 6-digit eastings are tried in every zone against the city's extent), or the user states it.
 * Encoding: AutoCAD 2007+ (AC1021) writes UTF-8; older files use the code page in $DWGCODEPAGE
 * (ANSI_936 is GBK); \U+XXXX escapes are decoded either way.
 */
import type { Position } from 'geojson'
import * as turf from '@turf/turf'
import DxfParser from 'dxf-parser'
import iconv from 'iconv-lite'
import { type EncodingDecision, isValidUtf8, requireEncoding } from './encoding'
import { ingestError } from './errors'
import { type RawFeature, type ReadLayer, assembleRings, closeRing } from './layered'

interface Group { code: number; value: unknown }
interface Scanner { next(): Group; isEOF(): boolean }

/** Every group of an entity up to the next entity, for the entities dxf-parser leaves out. */
function rawHandler(name: string) {
  return class {
    ForEntityName = name
    parseEntity(scanner: Scanner, curr: Group) {
      const groups: Group[] = []
      let g = scanner.next()
      while (!scanner.isEOF() && g.code !== 0) {
        groups.push(g)
        g = scanner.next()
      }
      return { type: String(curr.value), groups, layer: groups.find((x) => x.code === 8)?.value, handle: groups.find((x) => x.code === 5)?.value }
    }
  }
}

const CODEPAGES: Record<string, string> = {
  ANSI_936: 'gbk', ANSI_950: 'big5', ANSI_932: 'shift_jis', ANSI_949: 'euc-kr', ANSI_1252: 'windows-1252', ANSI_1251: 'windows-1251',
}

function headerValue(latin: string, name: string): string | null {
  const m = new RegExp(`\\$${name}\\s*\\r?\\n\\s*[0-9]+\\s*\\r?\\n([^\\r\\n]*)`).exec(latin)
  return m ? m[1]!.trim() : null
}

export function decideDxfEncoding(bytes: Buffer, override: string | undefined): EncodingDecision {
  if (override) {
    const encoding = requireEncoding(override)
    return { encoding, source: 'override', reason: `按上传时指定的编码 ${override} 读取 / read as ${override}, as stated at upload` }
  }
  const head = bytes.subarray(0, 64 * 1024).toString('latin1')
  const version = headerValue(head, 'ACADVER')
  const codepage = headerValue(head, 'DWGCODEPAGE')
  if (version && version >= 'AC1021') {
    return { encoding: 'utf8', source: 'codepage', reason: `DXF 版本 ${version}（AutoCAD 2007 及以后）规定为 UTF-8 / a ${version} DXF (AutoCAD 2007 or later) is UTF-8` }
  }
  if (isValidUtf8(bytes) && bytes.some((b) => b >= 0x80)) {
    return { encoding: 'utf8', source: 'sniffed', reason: `文字均为合法的 UTF-8，按 UTF-8 读取 / every text is valid UTF-8, so it is read as UTF-8` }
  }
  const mapped = codepage ? CODEPAGES[codepage.toUpperCase()] : undefined
  if (mapped) return { encoding: mapped, source: 'codepage', reason: `$DWGCODEPAGE 为 ${codepage}，按 ${mapped} 读取 / $DWGCODEPAGE is ${codepage}: read as ${mapped}` }
  return { encoding: 'gbk', source: 'sniffed', reason: `未声明可用的代码页${codepage ? `（${codepage}）` : ''}，按国内 CAD 常用的 GBK 读取 / no usable code page${codepage ? ` (${codepage})` : ''}: read as GBK, the usual one of Chinese CAD` }
}

/** \U+XXXX escapes, and MTEXT's formatting codes (\P paragraph, {\f…;text}, \A1; …) down to the text. */
function plainText(s: string, mtext: boolean): string {
  let t = s.replace(/\\U\+([0-9A-Fa-f]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
  if (mtext) {
    t = t.replace(/\\[Pp]/g, ' ').replace(/\\[ACFHQTWfacfhqtw][^;\\}]*;/g, '').replace(/\\[LlOoKk]/g, '').replace(/\\S([^;]*)\^([^;]*);/g, '$1/$2')
      .replace(/[{}]/g, '').replace(/\\\\/g, '\\')
  }
  return t.replace(/%%[cC]/g, 'Ø').replace(/%%[dD]/g, '°').replace(/%%[pP]/g, '±').trim()
}

/** The points of an arc from a to b with DXF bulge (tan of a quarter of the included angle), a excluded. */
function bulgePoints(a: Position, b: Position, bulge: number): Position[] {
  if (!bulge) return [b]
  const theta = 4 * Math.atan(bulge)
  const dx = b[0]! - a[0]!, dy = b[1]! - a[1]!
  const chord = Math.hypot(dx, dy)
  if (chord === 0) return [b]
  const r = chord / (2 * Math.sin(theta / 2))
  // centre: from the chord's midpoint, perpendicular, signed by the bulge's direction
  const mx = (a[0]! + b[0]!) / 2, my = (a[1]! + b[1]!) / 2
  const h = r * Math.cos(theta / 2)
  const cx = mx - (h * dy) / chord, cy = my + (h * dx) / chord
  const start = Math.atan2(a[1]! - cy, a[0]! - cx)
  const steps = Math.max(2, Math.ceil(Math.abs(theta) / (Math.PI / 36)))
  const out: Position[] = []
  for (let i = 1; i < steps; i++) {
    const ang = start + (theta * i) / steps
    out.push([cx + Math.abs(r) * Math.cos(ang), cy + Math.abs(r) * Math.sin(ang)])
  }
  out.push(b)
  return out
}

function ringWithBulges(vertices: { x: number; y: number; bulge?: number }[]): Position[] {
  if (vertices.length === 0) return []
  const ring: Position[] = [[vertices[0]!.x, vertices[0]!.y]]
  for (let i = 0; i < vertices.length; i++) {
    const a = vertices[i]!
    const b = vertices[(i + 1) % vertices.length]!
    ring.push(...bulgePoints([a.x, a.y], [b.x, b.y], a.bulge ?? 0))
  }
  return ring
}

/** The boundary loops of a HATCH (group codes of the DXF reference, HATCH "Boundary path data"). */
function hatchLoops(groups: Group[]): Position[][] {
  const loops: Position[][] = []
  let i = groups.findIndex((g) => g.code === 91)
  if (i < 0) return loops
  const num = (k: number) => Number(groups[k]?.value)
  const count = num(i)
  i++
  for (let loop = 0; loop < count && i < groups.length; loop++) {
    while (i < groups.length && groups[i]!.code !== 92) i++
    const flags = num(i++)
    const ring: Position[] = []
    if (flags & 2) {
      // polyline loop: 72 has bulge, 73 closed, 93 vertices, then 10/20 (42)
      let hasBulge = false
      let n = 0
      while (i < groups.length && groups[i]!.code !== 10) {
        if (groups[i]!.code === 72) hasBulge = num(i) !== 0
        if (groups[i]!.code === 93) n = num(i)
        i++
      }
      const vs: { x: number; y: number; bulge?: number }[] = []
      for (let v = 0; v < n && i < groups.length; v++) {
        const x = num(i), y = num(i + 1)
        i += 2
        let bulge = 0
        if (hasBulge && groups[i]?.code === 42) bulge = num(i++)
        vs.push({ x, y, bulge })
      }
      ring.push(...ringWithBulges(vs))
    } else {
      // edge loop: 93 edges, each 72 type: 1 line, 2 arc, 3 ellipse, 4 spline
      while (i < groups.length && groups[i]!.code !== 93) i++
      const edges = num(i++)
      for (let e = 0; e < edges && i < groups.length; e++) {
        while (i < groups.length && groups[i]!.code !== 72) i++
        const type = num(i++)
        const at = (code: number) => {
          const k = groups.findIndex((g, idx) => idx >= i && g.code === code)
          return k < 0 ? NaN : num(k)
        }
        if (type === 1) {
          if (ring.length === 0) ring.push([at(10), at(20)])
          ring.push([at(11), at(21)])
        } else if (type === 2) {
          const [cx, cy, r, a0, a1, ccw] = [at(10), at(20), at(40), at(50), at(51), at(73)]
          const from = (a0 * Math.PI) / 180, to = (a1 * Math.PI) / 180
          let sweep = to - from
          if (sweep <= 0) sweep += 2 * Math.PI
          const sign = ccw ? 1 : -1
          const steps = Math.max(2, Math.ceil(sweep / (Math.PI / 36)))
          for (let s = 0; s <= steps; s++) {
            const ang = sign * (from + (sweep * s) / steps)
            ring.push([cx + r * Math.cos(ang), cy + r * Math.sin(ang)])
          }
        } else {
          // ellipse and spline edges: their defining points, in order (close enough for a boundary check by eye)
          if (ring.length === 0) ring.push([at(10), at(20)])
        }
        // skip to the next edge's type
        while (i < groups.length && groups[i]!.code !== 72 && groups[i]!.code !== 97 && groups[i]!.code !== 92) i++
      }
    }
    while (i < groups.length && groups[i]!.code !== 92 && groups[i]!.code !== 75) i++
    if (ring.every((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))) loops.push(ring)
  }
  return loops
}

interface Entity { type: string; layer?: string; handle?: unknown; [k: string]: unknown }

/** A closed ring as its set of vertices, whatever its start and direction. */
function loopKey(ring: Position[]): string {
  return [...new Set(ring.map((p) => `${p[0]},${p[1]}`))].sort().join(';')
}

export function readDxf(bytes: Buffer, file: string, encodingOverride?: string): ReadLayer[] {
  const encoding = decideDxfEncoding(bytes, encodingOverride)
  const text = iconv.decode(bytes, encoding.encoding)
  const parser = new DxfParser()
  for (const name of ['HATCH', 'ATTRIB', 'SEQEND']) parser.registerEntityHandler(rawHandler(name) as never)
  let entities: Entity[]
  try {
    const dxf = parser.parseSync(text)
    if (!dxf) throw new Error('empty file')
    entities = (dxf.entities ?? []) as unknown as Entity[]
  } catch (e) {
    throw ingestError('dxf_invalid', { file, cause: (e as Error).message.split('\n')[0]!.slice(0, 200) })
  }

  const polygons: { layer: string; handle: string; kind: string; geometry: NonNullable<RawFeature['geometry']>; outline?: string }[] = []
  // the loops (by their vertices) and source boundaries (by handle) of the hatches
  const hatchLoopKeys = new Set<string>()
  const hatchSources = new Set<string>()
  const open: string[] = []
  const texts: { at: Position; text: string }[] = []
  const inserts: { at: Position; attributes: Record<string, string> }[] = []
  let lastInsert: { at: Position; attributes: Record<string, string> } | null = null
  for (const e of entities) {
    const layer = String(e.layer ?? '0')
    const handle = String(e.handle ?? '')
    if (e.type !== 'ATTRIB' && e.type !== 'SEQEND') lastInsert = null
    if (e.type === 'LWPOLYLINE' || e.type === 'POLYLINE') {
      const vertices = (e.vertices as { x: number; y: number; bulge?: number }[] | undefined) ?? []
      if (!e.shape) {
        // A polyline whose last vertex repeats the first is closed in all but the flag.
        const first = vertices[0], last = vertices[vertices.length - 1]
        const closedByPoints = vertices.length >= 4 && first && last && first.x === last.x && first.y === last.y
        if (!closedByPoints) {
          open.push(`图层 ${layer} 句柄 ${handle}：未闭合的${e.type === 'LWPOLYLINE' ? '多段线' : '二维多段线'}，未导入 / layer ${layer} handle ${handle}: an open ${e.type}, not imported`)
          continue
        }
      }
      const ring = closeRing(ringWithBulges(vertices))
      const geometry = assembleRings([ring])
      if (geometry) polygons.push({ layer, handle, kind: e.type, geometry, outline: loopKey(ring) })
      else open.push(`图层 ${layer} 句柄 ${handle}：顶点不足 3 个，未导入 / layer ${layer} handle ${handle}: fewer than 3 vertices, not imported`)
    } else if (e.type === 'HATCH') {
      const groups = e.groups as Group[]
      const loops = hatchLoops(groups)
      for (const loop of loops) hatchLoopKeys.add(loopKey(loop))
      // source boundary objects: the 330s after the boundary data begins (91), not the owner's before it
      const from = groups.findIndex((g) => g.code === 91)
      if (from >= 0) for (const g of groups.slice(from)) if (g.code === 330) hatchSources.add(String(g.value))
      const geometry = assembleRings(loops)
      if (geometry) polygons.push({ layer, handle, kind: 'HATCH', geometry })
      else open.push(`图层 ${layer} 句柄 ${handle}：填充边界无法读取，未导入 / layer ${layer} handle ${handle}: the hatch boundary cannot be read, not imported`)
    } else if (e.type === 'TEXT' || e.type === 'MTEXT') {
      const p = (e.type === 'TEXT' ? e.startPoint : e.position) as { x: number; y: number } | undefined
      const t = plainText(String(e.text ?? ''), e.type === 'MTEXT')
      if (p && t) texts.push({ at: [p.x, p.y], text: t })
    } else if (e.type === 'INSERT') {
      const p = e.position as { x: number; y: number } | undefined
      if (p) inserts.push((lastInsert = { at: [p.x, p.y], attributes: {} }))
    } else if (e.type === 'ATTRIB' && lastInsert) {
      const groups = e.groups as Group[]
      const tag = groups.find((g) => g.code === 2)?.value
      const value = groups.find((g) => g.code === 1)?.value
      if (tag !== undefined) lastInsert.attributes[plainText(String(tag), false)] = plainText(String(value ?? ''), false)
    }
  }

  const byLayer = new Map<string, { features: RawFeature[]; fields: Set<string>; kinds: Set<string> }>()
  for (const p of polygons) {
    if (p.outline !== undefined && (hatchLoopKeys.has(p.outline) || hatchSources.has(p.handle))) continue
    let l = byLayer.get(p.layer)
    if (!l) byLayer.set(p.layer, (l = { features: [], fields: new Set(['图层', '句柄']), kinds: new Set() }))
    l.kinds.add(p.kind)
    const shape = p.geometry
    const inside = (at: Position) => turf.booleanPointInPolygon(at, shape)
    const properties: Record<string, unknown> = { 图层: p.layer, 句柄: p.handle }
    const found = texts.filter((t) => inside(t.at)).map((t) => t.text)
    if (found.length) {
      properties['文字'] = found.join(' ')
      l.fields.add('文字')
    }
    for (const ins of inserts) {
      if (!Object.keys(ins.attributes).length || !inside(ins.at)) continue
      for (const [tag, value] of Object.entries(ins.attributes)) {
        if (tag === '图层' || tag === '句柄' || tag === '文字') continue
        properties[tag] ??= value
        l.fields.add(tag)
      }
    }
    l.features.push({ geometry: p.geometry, properties })
  }
  const openByLayer = new Map<string, string[]>()
  for (const line of open) {
    const layer = /^图层 (.*?) 句柄/.exec(line)?.[1] ?? '0'
    openByLayer.set(layer, [...(openByLayer.get(layer) ?? []), line])
  }
  const names = [...new Set([...byLayer.keys(), ...openByLayer.keys()])]
  const note = 'DXF 不含坐标系：按坐标推断（8 位横坐标含带号，6 位横坐标逐带试算），或请在上传时指定坐标系 / a DXF has no CRS: inferred from the coordinates, or state it when uploading'
  return names.map((name) => {
    const l = byLayer.get(name)
    return {
      name,
      geometryType: l ? [...l.kinds].join('/') : '—',
      features: l?.features ?? [],
      fieldNames: l ? [...l.fields] : ['图层', '句柄'],
      encoding,
      skipped: openByLayer.get(name) ?? [],
      notes: [note],
    }
  })
}
