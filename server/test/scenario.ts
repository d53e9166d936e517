/** Small hand-built land scenarios for the analysis tests and the bench. Shapes are rectangles
 * given in metres on CGCS2000 / 3-degree Gauss-Kruger CM 111°E (EPSG:4546) around Luoyang and
 * stored in EPSG:4490 like every real survey. */
import type { IDatabase } from 'pg-promise'
import { creditCode as codeOf } from './codes'

/** A point near 洛龙区 on EPSG:4546 (easting without zone number, northing), metres. */
export const ORIGIN = { x: 640_000, y: 3_832_000 }

/** [x, y, width, height] in metres from ORIGIN. */
export type Rect = [number, number, number, number]

/** A closed ring of [x, y] in metres from ORIGIN, counter-clockwise, first point not repeated. */
export type Ring = [number, number][]

/** A rectangle, or a ring when shared edges must share their vertices. */
export type Shape = Rect | Ring

export function rectRing([x, y, w, h]: Rect): Ring {
  return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
}

const isRect = (s: Shape): s is Rect => typeof s[0] === 'number'

export function shapeRing(s: Shape): Ring {
  return isRect(s) ? rectRing(s) : s
}

/** The WKT of a shape in EPSG:4546 (metres). */
export function rectWkt(shape: Shape): string {
  const ring = shapeRing(shape)
  const pts = [...ring, ring[0]!].map(([x, y]) => `${ORIGIN.x + x} ${ORIGIN.y + y}`)
  return `POLYGON((${pts.join(',')}))`
}

/** SQL expression turning the WKT param into a 4490 MultiPolygon. */
const GEOM = (param: string) => `ST_Multi(ST_Transform(ST_GeomFromText(${param}, 4546), 4490))`

let serial = 0
const next = () => ++serial

/** A valid 统一社会信用代码 (GB 32100 pattern), unique within the process. */
export const creditCode = (n = next()): string => codeOf(n, 'MA')

export class Scenario {
  constructor(private db: IDatabase<unknown>, readonly county = '410311', readonly prefix = `s${next()}`) {}

  async ensureCounty(code = this.county, name = `测试县${code}`): Promise<void> {
    await this.db.none('INSERT INTO county (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [code, name])
  }

  async cluster(o: { code?: string; rect: Rect; leading?: string[]; county?: string }): Promise<string> {
    const code = o.code ?? `${this.prefix}-c${next()}`
    const county = o.county ?? this.county
    await this.ensureCounty(county)
    await this.db.none(
      `INSERT INTO cluster (code, name, short_name, county_code, target_tax_per_mu, leading_industries, boundary)
       VALUES ($1, $2, $3, $4, 15, $5, ${GEOM('$6')})`,
      [code, `测试集聚区${code}`, code, county, o.leading ?? ['装备制造'], rectWkt(o.rect)],
    )
    return code
  }

  async zone(o: { cluster: string; type: string; rect: Rect; county?: string }): Promise<number> {
    return this.db.one(
      `INSERT INTO plan_zone (cluster_code, county_code, zone_type, name, geom) VALUES ($1, $2, $3, $3, ${GEOM('$4')}) RETURNING id`,
      [o.cluster, o.county ?? this.county, o.type, rectWkt(o.rect)], (r: { id: number }) => r.id,
    )
  }

  async parcel(o: { rect: Shape; cluster?: string | null; landUse?: string; code?: string; county?: string }): Promise<number> {
    const county = o.county ?? this.county
    await this.ensureCounty(county)
    return this.db.one(
      `INSERT INTO parcel (code, county_code, cluster_code, land_use, geom) VALUES ($1, $2, $3, $4, ${GEOM('$5')}) RETURNING id`,
      [o.code ?? `${this.prefix}-p${next()}`, county, o.cluster ?? null, o.landUse ?? '工业用地', rectWkt(o.rect)],
      (r: { id: number }) => r.id,
    )
  }

  async enterprise(o: { industry?: string | null; code?: string } = {}): Promise<string> {
    const code = o.code ?? creditCode()
    await this.db.none(
      'INSERT INTO enterprise (credit_code, name, county_code, industry) VALUES ($1, $2, $3, $4)',
      [code, `测试企业${code.slice(-4)}`, this.county, o.industry ?? null],
    )
    return code
  }

  async contract(o: {
    parcel: number; signedOn: string; agreedStartOn?: string | null; totalInvestmentWan?: number | null
    plannedAreaM2?: number | null; landUser?: string | null; landUse?: string; terminatedOn?: string | null
  }): Promise<number> {
    return this.db.one(
      `INSERT INTO supply_contract (contract_no, parcel_id, county_code, supply_method, land_user_code, land_use, signed_on,
         agreed_start_on, total_investment_wan, planned_floor_area_m2, terminated_on)
       SELECT $1, p.id, p.county_code, 'grant', $3, $4, $5, $6, $7, $8, $9 FROM parcel p WHERE p.id = $2 RETURNING id`,
      [`${this.prefix}-k${next()}`, o.parcel, o.landUser ?? null, o.landUse ?? '工业用地', o.signedOn,
        o.agreedStartOn ?? null, o.totalInvestmentWan ?? null, o.plannedAreaM2 ?? null, o.terminatedOn ?? null],
      (r: { id: number }) => r.id,
    )
  }

  async indicator(o: { contract: number; indicator: string; direction: 'min' | 'max'; value: number; unit?: string }): Promise<void> {
    await this.db.none(
      'INSERT INTO contract_indicator (contract_id, indicator, unit, direction, value) VALUES ($1, $2, $3, $4, $5)',
      [o.contract, o.indicator, o.unit ?? '', o.direction, o.value],
    )
  }

  async event(o: {
    parcel: number; kind: string; on: string; developedM2?: number; investedWan?: number
    measured?: Record<string, number>; governmentCaused?: boolean; note?: string
  }): Promise<number> {
    return this.db.one(
      `INSERT INTO development_event (parcel_id, county_code, kind, occurred_on, developed_area_m2, invested_wan, measured,
         government_caused, note)
       SELECT p.id, p.county_code, $2, $3, $4, $5, $6, $7, $8 FROM parcel p WHERE p.id = $1 RETURNING id`,
      [o.parcel, o.kind, o.on, o.developedM2 ?? null, o.investedWan ?? null, o.measured ? JSON.stringify(o.measured) : null,
        o.governmentCaused ?? false, o.note ?? null],
      (r: { id: number }) => r.id,
    )
  }

  async year(o: { creditCode: string; year: number; profitWan?: number | null; rating?: string | null }): Promise<void> {
    await this.db.none(
      'INSERT INTO enterprise_year (credit_code, year, profit_wan, rating) VALUES ($1, $2, $3, $4)',
      [o.creditCode, o.year, o.profitWan ?? null, o.rating ?? null],
    )
  }

  async flag(o: { parcel: number; kind: 'industry_transition' | 'other'; reason: string; setOn: string; clearedOn?: string }): Promise<number> {
    return this.db.one(
      `INSERT INTO parcel_flag (parcel_id, county_code, kind, reason, set_by, set_on, cleared_on)
       SELECT p.id, p.county_code, $2, $3, 'user:official', $4, $5 FROM parcel p WHERE p.id = $1 RETURNING id`,
      [o.parcel, o.kind, o.reason, o.setOn, o.clearedOn ?? null], (r: { id: number }) => r.id,
    )
  }

  async batch(o: { rect: Shape; approvedOn: string; cluster?: string | null; county?: string }): Promise<number> {
    const county = o.county ?? this.county
    await this.ensureCounty(county)
    return this.db.one(
      `INSERT INTO approval_batch (approval_no, county_code, cluster_code, approved_on, geom) VALUES ($1, $2, $3, $4, ${GEOM('$5')}) RETURNING id`,
      [`${this.prefix}-b${next()}`, county, o.cluster ?? null, o.approvedOn, rectWkt(o.rect)], (r: { id: number }) => r.id,
    )
  }

  async change(o: { rect: Shape; imageAfter: string; type?: string; county?: string | null }): Promise<number> {
    const after = o.imageAfter
    return this.db.one(
      `INSERT INTO rs_change (code, period, change_type, image_before, image_after, county_code, geom)
       VALUES ($1, $2, $3, ($4::date - 90), $4::date, $5, ${GEOM('$6')}) RETURNING id`,
      [`${this.prefix}-r${next()}`, after.slice(0, 7), o.type ?? 'new_construction', after,
        o.county === undefined ? this.county : o.county, rectWkt(o.rect)], (r: { id: number }) => r.id,
    )
  }

  async rule(o: { key: string; value: unknown; from: string; county?: string | null }): Promise<number> {
    return this.db.one(
      'INSERT INTO county_rule (county_code, key, value, effective_from) VALUES ($1, $2, $3, $4) RETURNING id',
      [o.county === undefined ? this.county : o.county, o.key, JSON.stringify(o.value), o.from], (r: { id: number }) => r.id,
    )
  }
}
