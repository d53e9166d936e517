/** The fixed places of the demo: counties, the 18 cluster boundaries, their plan zones and the
 * approval batches, laid out in metres in a frame around each cluster centre, plus the space
 * that parcels are packed into (batches, reserved case areas, and an overflow lattice outside
 * every cluster for the benchmark-size sets).
 *
 * Layout of a cluster (half side H from the fixture's half_km): the square [-H, H]² with a 20 m
 * ring road inside its edge and 30 m roads between a 4×4 grid of blocks. The boundary is that
 * square with each edge's midpoint pushed 1–4 % of H outwards, so every block lies inside it.
 * Block (3,1) (east column, second row) is always industrial and reserved for the built cases;
 * block (3,2) above it is always residential; the other 14 are shuffled: one green, one logistics,
 * one public, the rest industrial. Generic batches take the remaining 11 industrial blocks. */
import { day, iso } from './dates'
import { Frame, type MultiPolygon, type Position, type Rect, holeRing, inset, rectHeight, rectWidth, rectsOverlap } from './geo'
import { CountyOutlines } from './counties'
import { type ClusterFixture, readFixture } from './fixture'
import { Rng } from './random'
import type { ApprovalBatchRow, ClusterRow, CountyRow, PlanZoneRow, ZoneType } from './types'

export const RING_ROAD_M = 20
export const ROAD_M = 30
export const GRID = 4
/** Outward bulge of the boundary at each edge midpoint, as a share of H: at most this. */
export const MAX_BULGE = 0.04
/** Gap between neighbouring parcels (an internal road): parcels never touch. */
export const PARCEL_GAP_M = 10
const CASE_BLOCK: [number, number] = [3, 1]
const RESIDENTIAL_BLOCK: [number, number] = [3, 2]
/** Overflow lattice cell and how far it keeps from any cluster. */
const CELL_M = 1000
/** A generic batch in a cluster block is a strip at least this tall, m. */
const MIN_STRIP_M = 300
/** Batches of the overflow lattice: the four quarters of a cell, this far apart, m. */
const LATTICE_ROAD_M = 20
const CLUSTER_MARGIN_M = 1200

/** Per-mu tax level of each cluster relative to its target (annex 3 art. 14): fixed, so that the
 * built cases can name which clusters land above and which below. Even fixture positions above. */
export function clusterTaxFactor(position: number): number {
  return position % 2 === 0 ? 1.3 + 0.1 * (position % 3) : 0.75 - 0.05 * (position % 3)
}

const ZONE_NAMES: Record<ZoneType, string> = {
  industrial: '工业用地区',
  logistics: '物流仓储区',
  residential: '生活配套区',
  public: '公共服务区',
  green: '生态绿地',
  road: '道路',
  other: '其他',
}

/** Rows of rectangles packed left to right, bottom to top, each row as tall as its first parcel;
 * later parcels in a row are flattened to the row height. A parcel that does not fit leaves the
 * packer as it was (a smaller one may still fit); after MAX_MISSES misses in a row it closes. */
export class ShelfPacker {
  static readonly MAX_MISSES = 8
  private x: number
  private rowY: number
  private rowH = 0
  private misses = 0
  closed = false

  constructor(readonly region: Rect, readonly top: number, readonly gap: number) {
    this.x = region.x0
    this.rowY = region.y0
  }

  /** A rectangle of `area` m² (width/height ≈ aspect), or null when it does not fit. */
  place(area: number, aspect: number): Rect | null {
    if (this.closed) return null
    const width = rectWidth(this.region)
    let w = Math.sqrt(area * aspect)
    let h = area / w
    if (w > width) {
      w = width
      h = area / w
    }
    let x = this.x
    let rowY = this.rowY
    if (this.rowH > 0) {
      const hh = Math.min(h, this.rowH)
      const ww = area / hh
      if (x + ww <= this.region.x1) return this.commit({ x0: x, y0: rowY, x1: x + ww, y1: rowY + hh }, this.rowH)
      rowY += this.rowH + this.gap
      x = this.region.x0
    }
    if (rowY + h > this.top) {
      if (++this.misses >= ShelfPacker.MAX_MISSES) this.closed = true
      return null
    }
    return this.commit({ x0: x, y0: rowY, x1: x + w, y1: rowY + h }, h)
  }

  private commit(r: Rect, rowH: number): Rect {
    this.rowY = r.y0
    this.rowH = rowH
    this.x = r.x1 + this.gap
    this.misses = 0
    return r
  }

  /** Like place(), but failing is a bug in the built cases, not the end of the space. */
  placeOrThrow(area: number, aspect: number, what: string): Rect {
    const r = this.place(area, aspect)
    if (!r) throw new Error(`demo layout: no room for ${what}`)
    return r
  }
}

export interface Block {
  i: number
  j: number
  rect: Rect
  zone: ZoneType
}

export interface ClusterPlace {
  fx: ClusterFixture
  countyName: string
  frame: Frame
  /** Half side of the square, m. */
  H: number
  blocks: Block[]
  caseBlock: Block
  taxFactor: number
  boundary: MultiPolygon
  /** Packs the built case batches into the west part of the case block. */
  caseBatchPacker: ShelfPacker
  /** Packs built case parcels beyond the east boundary. */
  outsidePacker: ShelfPacker
  /** Packs built case parcels into non-industrial blocks, one packer per zone type. */
  zonePackers: Map<ZoneType, ShelfPacker>
}

export interface BatchPlace {
  index: number
  approvalNo: string
  /** The cluster it lies in; for a batch of the overflow lattice (clusterCode null) the cluster
   * whose figures its parcels take. */
  cluster: ClusterPlace
  clusterCode: string | null
  county: { code: string; name: string }
  /** The frame its rect is in. */
  frame: Frame
  rect: Rect
  approvedOn: number
  /** Share of the batch height that parcels may fill; the rest stays unsupplied. */
  fill: number
  packer: ShelfPacker
  /** Key of the built case batch, if it is one. */
  caseKey: string | null
}

export interface CaseBatchSpec {
  key: string
  cluster: string
  approvedOn: string
  /** Fixed number in 〔year〕N号 (generic batches use 1–899). */
  number: number
  widthM: number
  heightM: number
  /** Share of the batch height its parcels may fill (0: none). */
  fill: number
}

export interface World {
  counties: CountyRow[]
  clusters: ClusterPlace[]
  byCode: Map<string, ClusterPlace>
  batches: BatchPlace[]
  caseBatches: Map<string, BatchPlace>
  /** Batches open to generic parcels, in round-robin order. */
  genericBatches: BatchPlace[]
  /** Batches beyond what the clusters' blocks hold, in the overflow lattice's cells. */
  lattice: OverflowLattice
}

function boundaryOf(frame: Frame, H: number, b: [number, number, number, number]): MultiPolygon {
  const [bS, bE, bN, bW] = b
  const pts: [number, number][] = [[-H, -H], [0, -H - bS], [H, -H], [H + bE, 0], [H, H], [0, H + bN], [-H, H], [-H - bW, 0]]
  const ring: Position[] = pts.map(([x, y]) => frame.point(x, y))
  ring.push(ring[0]!)
  return { type: 'MultiPolygon', coordinates: [[ring]] }
}

function blockRect(H: number, i: number, j: number): Rect {
  const B = (2 * H - 2 * RING_ROAD_M - (GRID - 1) * ROAD_M) / GRID
  const x0 = -H + RING_ROAD_M + i * (B + ROAD_M)
  const y0 = -H + RING_ROAD_M + j * (B + ROAD_M)
  return { x0, y0, x1: x0 + B, y1: y0 + B }
}

function buildCluster(seed: number, fx: ClusterFixture, position: number, countyName: string): ClusterPlace {
  const rng = new Rng(seed, 'cluster', fx.code)
  const frame = new Frame(fx.centre[0], fx.centre[1])
  const H = fx.half_km * 1000
  // Outward bulges of the S, E, N, W edge midpoints, m.
  const bulges: [number, number, number, number] = [0, 0, 0, 0].map(() => rng.float(0.01, MAX_BULGE) * H) as [number, number, number, number]
  const positions: [number, number][] = []
  for (let j = 0; j < GRID; j++) for (let i = 0; i < GRID; i++) positions.push([i, j])
  const free = positions.filter(([i, j]) => !(i === CASE_BLOCK[0] && j === CASE_BLOCK[1]) && !(i === RESIDENTIAL_BLOCK[0] && j === RESIDENTIAL_BLOCK[1]))
  rng.shuffle(free)
  const zoneAt = new Map<string, ZoneType>()
  zoneAt.set(CASE_BLOCK.join(','), 'industrial')
  zoneAt.set(RESIDENTIAL_BLOCK.join(','), 'residential')
  const extra: ZoneType[] = ['green', 'logistics', 'public']
  free.forEach(([i, j], k) => zoneAt.set(`${i},${j}`, extra[k] ?? 'industrial'))
  const blocks: Block[] = positions.map(([i, j]) => ({ i, j, rect: blockRect(H, i, j), zone: zoneAt.get(`${i},${j}`)! }))
  const caseBlock = blocks.find((b) => b.i === CASE_BLOCK[0] && b.j === CASE_BLOCK[1])!
  const cb = caseBlock.rect
  const outerX = H * (1 + MAX_BULGE)
  const zonePackers = new Map<ZoneType, ShelfPacker>()
  for (const b of blocks) {
    if (b.zone !== 'industrial' && !zonePackers.has(b.zone)) {
      const r = inset(b.rect, 15)
      zonePackers.set(b.zone, new ShelfPacker(r, r.y1, PARCEL_GAP_M))
    }
  }
  return {
    fx,
    countyName,
    frame,
    H,
    blocks,
    caseBlock,
    taxFactor: clusterTaxFactor(position),
    boundary: boundaryOf(frame, H, bulges),
    caseBatchPacker: new ShelfPacker({ x0: cb.x0 + 15, y0: cb.y0 + 15, x1: cb.x1 - 300, y1: cb.y1 - 15 }, cb.y1 - 15, 20),
    outsidePacker: new ShelfPacker({ x0: outerX + 250, y0: cb.y0, x1: outerX + 850, y1: cb.y1 }, cb.y1, 20),
    zonePackers,
  }
}

/** The east strip of the case block, where the boundary cases sit (see cases.ts). */
export function caseBlockEastStrip(c: ClusterPlace): Rect {
  const r = c.caseBlock.rect
  return { x0: r.x1 - 280, y0: r.y0, x1: r.x1, y1: r.y1 }
}

export function planZoneRows(c: ClusterPlace): PlanZoneRow[] {
  const rows: PlanZoneRow[] = c.blocks.map((b) => ({
    cluster_code: c.fx.code,
    county_code: c.fx.county_code,
    zone_type: b.zone,
    name: `${c.fx.short_name}${ZONE_NAMES[b.zone]}${String.fromCharCode(65 + b.i)}${b.j + 1}`,
    geom: c.frame.rect(b.rect),
  }))
  const square = c.frame.rectRing({ x0: -c.H, y0: -c.H, x1: c.H, y1: c.H })
  rows.push({
    cluster_code: c.fx.code,
    county_code: c.fx.county_code,
    zone_type: 'road',
    name: `${c.fx.short_name}${ZONE_NAMES.road}`,
    geom: { type: 'MultiPolygon', coordinates: [[square, ...c.blocks.map((b) => holeRing(c.frame, b.rect))]] },
  })
  return rows
}

export function clusterRow(c: ClusterPlace): ClusterRow {
  return {
    code: c.fx.code,
    name: c.fx.name,
    short_name: c.fx.short_name,
    county_code: c.fx.county_code,
    target_tax_per_mu: c.fx.target_tax_per_mu,
    leading_industries: [...c.fx.leading_industries],
    boundary: c.boundary,
    boundary_synthetic: true,
  }
}

export function batchRow(b: BatchPlace): ApprovalBatchRow {
  return {
    approval_no: b.approvalNo,
    name: `${iso(b.approvedOn).slice(0, 4)}年度${b.county.name}第${b.index + 1}批次城镇建设用地`,
    county_code: b.county.code,
    cluster_code: b.clusterCode,
    approved_on: iso(b.approvedOn),
    geom: b.frame.rect(b.rect),
  }
}

/** 批准文号 of a provincial approval (豫政土: 河南省人民政府 land approvals). */
export function approvalNumber(year: number, n: number): string {
  return `豫政土〔${year}〕${n}号`
}

/** Largest-remainder split of `total` over weights, each share at least `min`. */
function apportion(total: number, weights: number[], min: number): number[] {
  const n = weights.length
  const rest = total - min * n
  if (rest < 0) throw new RangeError(`cannot give ${n} places ${min} each out of ${total}`)
  const sum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (rest * w) / sum)
  const out = exact.map((e) => min + Math.floor(e))
  let left = total - out.reduce((a, b) => a + b, 0)
  const order = exact.map((e, k) => [e - Math.floor(e), k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (const [, k] of order) {
    if (left-- <= 0) break
    out[k]! += 1
  }
  return out
}

export function buildWorld(seed: number, batchCount: number, caseBatchSpecs: readonly CaseBatchSpec[]): World {
  const fixture = readFixture()
  const countyName = new Map(fixture.counties.map((c) => [c.code, c.name]))
  const clusters = fixture.clusters.map((fx, k) => buildCluster(seed, fx, k, countyName.get(fx.county_code) ?? fx.county_code))
  const byCode = new Map(clusters.map((c) => [c.fx.code, c]))
  const minimum = clusters.length + caseBatchSpecs.length
  if (batchCount < minimum) {
    throw new RangeError(`batches must be ≥ ${minimum} (one per cluster plus ${caseBatchSpecs.length} built cases), got ${batchCount}`)
  }
  const batches: BatchPlace[] = []
  const usedNumbers = new Set<string>()

  // Built case batches first: fixed numbers and dates, so that DEMO_CASES can name them.
  const caseBatches = new Map<string, BatchPlace>()
  for (const spec of caseBatchSpecs) {
    const c = byCode.get(spec.cluster)
    if (!c) throw new RangeError(`case batch ${spec.key}: unknown cluster ${spec.cluster}`)
    const on = day(spec.approvedOn)
    const no = approvalNumber(Number(spec.approvedOn.slice(0, 4)), spec.number)
    const rect = c.caseBatchPacker.placeOrThrow(spec.widthM * spec.heightM, spec.widthM / spec.heightM, `case batch ${spec.key}`)
    const inner = inset(rect, 10)
    const packer = new ShelfPacker(inner, inner.y0 + spec.fill * rectHeight(inner), PARCEL_GAP_M)
    packer.closed = spec.fill === 0
    const b: BatchPlace = { index: batches.length, approvalNo: no, ...inCluster(c), rect, approvedOn: on, fill: spec.fill, caseKey: spec.key, packer }
    usedNumbers.add(no)
    batches.push(b)
    caseBatches.set(spec.key, b)
  }

  // Generic batches over the 11 free industrial blocks of each cluster, by block area, in strips
  // at least MIN_STRIP_M tall; what the blocks cannot hold goes to the overflow lattice.
  let beyond = 0
  const perCluster = apportion(
    batchCount - caseBatchSpecs.length,
    clusters.map((c) => rectWidth(c.blocks[0]!.rect) ** 2),
    1,
  )
  const genericBatches: BatchPlace[] = []
  clusters.forEach((c, k) => {
    const crng = new Rng(seed, 'batches', c.fx.code)
    const free = crng.shuffle(c.blocks.filter((b) => b.zone === 'industrial' && b !== c.caseBlock))
    const room = free.length * Math.max(1, Math.floor((rectHeight(inset(free[0]!.rect, 15)) + 20) / (MIN_STRIP_M + 20)))
    const want = Math.min(perCluster[k]!, room)
    beyond += perCluster[k]! - want
    const strips = Math.ceil(want / free.length)
    let made = 0
    for (const block of free) {
      const r = inset(block.rect, 15)
      const h = (rectHeight(r) - (strips - 1) * 20) / strips
      for (let s = 0; s < strips && made < want; s++, made++) {
        const rect = { x0: r.x0, y0: r.y0 + s * (h + 20), x1: r.x1, y1: r.y0 + s * (h + 20) + h }
        const first = made === 0
        const approvedOn = first
          ? crng.int(day('2012-01-01'), day('2013-12-31'))
          : crng.chance(0.55)
            ? crng.int(day('2012-01-01'), day('2017-12-31'))
            : crng.int(day('2018-01-01'), day('2024-12-31'))
        const year = Number(iso(approvedOn).slice(0, 4))
        let no: string
        do no = approvalNumber(year, crng.int(1, 899))
        while (usedNumbers.has(no))
        usedNumbers.add(no)
        const fill = first ? crng.float(0.6, 0.97) : crng.chance(0.1) ? 0 : crng.float(0.5, 0.97)
        const top = rect.y0 + fill * rectHeight(rect)
        const b: BatchPlace = { index: batches.length, approvalNo: no, ...inCluster(c), rect, approvedOn, fill, caseKey: null, packer: new ShelfPacker(rect, top, PARCEL_GAP_M) }
        if (fill === 0) b.packer.closed = true
        batches.push(b)
        genericBatches.push(b)
      }
    }
  })
  const lattice = new OverflowLattice(clusters)
  lattice.addBatches(seed, beyond, batches)
  return { counties: fixture.counties.map((c) => ({ ...c })), clusters, byCode, batches, caseBatches, genericBatches, lattice }
}

function inCluster(c: ClusterPlace): Pick<BatchPlace, 'cluster' | 'clusterCode' | 'county' | 'frame'> {
  return { cluster: c, clusterCode: c.fx.code, county: { code: c.fx.county_code, name: c.countyName }, frame: c.frame }
}

/** One cell of the overflow lattice: a square in the lattice frame's metres, the county whose
 * outline holds all of it, and the cluster whose figures its parcels take. */
export interface LatticeCell {
  rect: Rect
  county: { code: string; name: string }
  near: ClusterPlace
}

/** Where overflow parcels go once every batch is full: 1 km cells in square rings around the
 * city, each cell kept only when one county's outline (the product's reference data,
 * counties.ts) holds all of it, and skipped within 1.2 km of a cluster square (so they never meet
 * cluster land or the built cases just outside it). Each cell is packed like a batch; its parcels
 * take the county that holds the cell (cluster_code null) and the figures of the nearest cluster
 * of that county (of the city, in a county without one). Only benchmark-size sets reach it; when
 * every county is full it throws rather than place a parcel outside the city. */
export class OverflowLattice {
  readonly frame = new Frame(112.4, 34.5)
  private readonly cellsLeft: Generator<LatticeCell>
  private packer: ShelfPacker | null = null
  private cell: LatticeCell | null = null
  /** The batch being packed, if the cell has batches. */
  private batch: BatchPlace | null = null
  /** Cells given batches by addBatches(), in the order parcels reach them. */
  private readonly batchCells: { cell: LatticeCell; batches: BatchPlace[] }[] = []
  /** Batches of the current cell still to pack. */
  private batchesLeft: BatchPlace[] = []
  /** Parcels placed here are scaled by this (DemoOptions.overflowAreaScale). */
  areaScale = 1
  private readonly exclusions: Rect[]

  /** `counties`: the reference outlines, read when the first cell is needed (the 2000-parcel demo
   * the server loads never gets here). */
  constructor(private readonly clusters: ClusterPlace[], private readonly counties?: CountyOutlines) {
    // Each cluster's bulged square plus the margin, in this frame's metres.
    this.exclusions = clusters.map((c) => {
      const r = c.H * (1 + MAX_BULGE) + CLUSTER_MARGIN_M
      const [lon, lat] = c.fx.centre
      return { x0: this.x(lon - r / c.frame.mLon), y0: this.y(lat - r / c.frame.mLat), x1: this.x(lon + r / c.frame.mLon), y1: this.y(lat + r / c.frame.mLat) }
    })
    this.cellsLeft = this.cells()
  }

  private x(lon: number): number {
    return (lon - this.frame.lon0) * this.frame.mLon
  }

  private y(lat: number): number {
    return (lat - this.frame.lat0) * this.frame.mLat
  }

  /** Every usable cell, ring by ring outwards, until the rings leave the city's extent. */
  *cells(): Generator<LatticeCell> {
    const counties = this.counties ?? cityCounties()
    const [w, s, e, n] = counties.extent()
    const maxRing = Math.ceil(Math.max(-this.x(w), this.x(e), -this.y(s), this.y(n)) / CELL_M) + 1
    for (let ring = 0; ring <= maxRing; ring++) {
      for (const [i, j] of ring === 0 ? [[0, 0] as [number, number]] : squareRing(ring)) {
        const rect = { x0: i * CELL_M, y0: j * CELL_M, x1: (i + 1) * CELL_M, y1: (j + 1) * CELL_M }
        if (this.exclusions.some((e) => rectsOverlap(e, rect))) continue
        const county = counties.holding(this.frame.lon(rect.x0), this.frame.lat(rect.y0), this.frame.lon(rect.x1), this.frame.lat(rect.y1))
        if (!county) continue
        const mx = (i + 0.5) * CELL_M
        const my = (j + 0.5) * CELL_M
        const own = this.clusters.filter((c) => c.fx.county_code === county.code)
        let near = this.clusters[0]!
        let bestD = Infinity
        for (const c of own.length ? own : this.clusters) {
          const d = (this.x(c.fx.centre[0]) - mx) ** 2 + (this.y(c.fx.centre[1]) - my) ** 2
          if (d < bestD) {
            bestD = d
            near = c
          }
        }
        yield { rect, county: { code: county.code, name: county.name }, near }
      }
    }
  }

  /** `count` approval batches in the next cells, four to a cell (its quarters), appended to
   * `batches`: each approved on a random day and filled by parcels to a random share of its
   * height, as the clusters' batches are. Numbered from 1000 up in each year (the clusters'
   * batches take 1–899). */
  addBatches(seed: number, count: number, batches: BatchPlace[]): void {
    const serial = new Map<number, number>()
    let made = 0
    while (made < count) {
      const next = this.cellsLeft.next()
      if (next.done) throw new RangeError(`demo layout: the city has no room for ${count - made} more approval batches; generate fewer`)
      const cell = next.value
      const inner = inset(cell.rect, 20)
      const q = (rectWidth(inner) - LATTICE_ROAD_M) / 2
      const here: BatchPlace[] = []
      for (let k = 0; k < 4 && made < count; k++, made++) {
        const rng = new Rng(seed, 'lattice-batch', batches.length)
        const x0 = inner.x0 + (k % 2) * (q + LATTICE_ROAD_M)
        const y0 = inner.y0 + Math.floor(k / 2) * (q + LATTICE_ROAD_M)
        const rect = { x0, y0, x1: x0 + q, y1: y0 + q }
        const approvedOn = rng.chance(0.55) ? rng.int(day('2012-01-01'), day('2017-12-31')) : rng.int(day('2018-01-01'), day('2024-12-31'))
        const year = Number(iso(approvedOn).slice(0, 4))
        const n = (serial.get(year) ?? 999) + 1
        serial.set(year, n)
        const fill = rng.chance(0.1) ? 0 : rng.float(0.6, 0.97)
        const room = inset(rect, 10)
        const b: BatchPlace = {
          index: batches.length, approvalNo: approvalNumber(year, n), cluster: cell.near, clusterCode: null, county: cell.county, frame: this.frame,
          rect, approvedOn, fill, caseKey: null, packer: new ShelfPacker(room, room.y0 + fill * rectHeight(room), PARCEL_GAP_M),
        }
        b.packer.closed = fill === 0
        batches.push(b)
        here.push(b)
      }
      this.batchCells.push({ cell, batches: here })
    }
    this.batchCells.reverse() // taken from the end
  }

  /** A rectangle in this.frame's metres, the cell it lies in and the batch, if the cell has
   * batches (parcels then fill each batch to its share and leave the rest of the cell empty). */
  place(area: number, aspect: number): { rect: Rect; cell: LatticeCell; batch: BatchPlace | null } {
    for (;;) {
      const r = this.packer?.place(area * this.areaScale, aspect)
      if (r) return { rect: r, cell: this.cell!, batch: this.batch }
      const b = this.batchesLeft.shift()
      if (b) {
        this.batch = b
        this.packer = b.packer
        continue
      }
      const withBatches = this.batchCells.pop()
      if (withBatches) {
        this.cell = withBatches.cell
        this.batchesLeft = [...withBatches.batches]
        this.packer = null
        continue
      }
      const next = this.cellsLeft.next()
      if (next.done) throw new RangeError('demo layout: every county of the city is full; generate fewer parcels')
      this.cell = next.value
      this.batch = null
      const inner = inset(this.cell.rect, 20)
      this.packer = new ShelfPacker(inner, inner.y1, PARCEL_GAP_M)
    }
  }
}

let outlines: CountyOutlines | null = null
/** The reference county outlines, read once. */
export function cityCounties(): CountyOutlines {
  outlines ??= new CountyOutlines()
  return outlines
}

function squareRing(r: number): [number, number][] {
  const out: [number, number][] = []
  for (let i = -r; i <= r; i++) out.push([i, -r])
  for (let j = -r + 1; j <= r; j++) out.push([r, j])
  for (let i = r - 1; i >= -r; i--) out.push([i, r])
  for (let j = r - 1; j > -r; j--) out.push([-r, j])
  return out
}
