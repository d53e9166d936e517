/** CQL2 text filters (Part 3) at /ogc/collections/{id}/items: each filter selects exactly what the
 * same condition written in SQL selects (scope included), the next links carry it, names are the
 * caller's queryables only (a withheld field is no more filterable than visible), and hostile
 * filters get a 400 naming the problem and its position, and change nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import proj4 from 'proj4'
import { createTestApp, type TestApp } from '../test/app'
import { insertMapFixture, type MapFixture } from '../test/tiles-fixture'
import { CQL_LIMITS, CqlError, parseCql2 } from './cql2'

let t: TestApp
let fx: MapFixture
let surveyor: { authorization: string }
let analyst: { authorization: string }

beforeAll(async () => {
  t = await createTestApp()
  fx = await insertMapFixture(t.database.db)
  surveyor = await t.loginAs('surveyor', ['410311'], 'sur.filter')
  analyst = await t.loginAs('analyst', ['410311'], 'ana.filter')
})
afterAll(async () => t?.close())

type Page = { numberMatched: number; links: { rel: string; href: string }[]; features: { properties: Record<string, unknown> }[] }

/** Every parcel code a filter selects, following the next links. */
async function codes(filter: string, headers = surveyor, extra = ''): Promise<string[]> {
  const out: string[] = []
  let url: string | undefined = `/ogc/collections/parcels/items?limit=4&filter=${encodeURIComponent(filter)}${extra}`
  let matched = -1
  while (url) {
    const res = await t.app.inject({ url, headers })
    expect(res.statusCode, res.body).toBe(200)
    const page = res.json() as Page
    matched = page.numberMatched
    out.push(...page.features.map((f) => f.properties.code as string))
    const next = page.links.find((l) => l.rel === 'next')
    if (next) expect(new URL(next.href).searchParams.get('filter')).toBe(filter)
    url = next ? next.href.replace(/^http:\/\/[^/]+/, '') : undefined
  }
  expect(out.length).toBe(matched)
  return out.sort()
}

async function sql(where: string, values: unknown[] = []): Promise<string[]> {
  return (await t.database.db.any(
    `SELECT p.code FROM parcel p WHERE p.county_code = '410311' AND p.retired_at IS NULL AND (${where}) ORDER BY p.code`, values))
    .map((r: { code: string }) => r.code)
}

const GK_114 = '+proj=tmerc +lat_0=0 +lon_0=114 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m +no_defs'

describe('a filter selects what the same condition in SQL selects', () => {
  it.each([
    ["code LIKE 'LL-00%' AND stage = 'producing'", "p.code LIKE 'LL-00%' AND p.stage = 'producing'"],
    ["stage IN ('approved', 'supplied')", "p.stage IN ('approved', 'supplied')"],
    ["stage NOT IN ('approved', 'supplied')", "p.stage NOT IN ('approved', 'supplied')"],
    ["NOT (stage = 'approved') OR code = 'LL-EDGE'", "NOT (p.stage = 'approved') OR p.code = 'LL-EDGE'"],
    ['area_m2 > 8000', 'round(p.area_m2::numeric, 2) > 8000'],
    ['area_m2 BETWEEN 7990 AND 8010', 'round(p.area_m2::numeric, 2) BETWEEN 7990 AND 8010'],
    ['owner_name IS NULL', 'p.owner_name IS NULL'],
    ["CASEI(code) LIKE CASEI('ll-01%')", "p.code ILIKE 'll-01%'"],
    ["\"宗地编号\" = 'LL-001' OR 宗地编号 = 'LL-002'", "p.code IN ('LL-001', 'LL-002')"],
    ["((code LIKE 'LL-00%') AND (area_m2 > 100.5)) AND (NOT (stage = 'x'))", "p.code LIKE 'LL-00%'"],
    ["code = 'x'' OR 1=1 --'", 'false'],
    ['TRUE', 'true'],
  ])('%s', async (filter, where) => {
    const expected = await sql(where)
    expect(await codes(filter)).toEqual(expected)
  })

  it('S_INTERSECTS with a BBOX and a POLYGON in CRS84, and a POLYGON in EPSG:4547 (northing easting)', async () => {
    const [w, s] = fx.parcels.find((p) => p.code === 'LL-006')!.box
    const [x0, y0, x1, y1] = [w - 0.0001, s - 0.0001, w + 0.0001, s + 0.0001]
    const expected = await sql('ST_Intersects(p.geom, ST_MakeEnvelope($1, $2, $3, $4, 4490))', [x0, y0, x1, y1])
    expect(expected).toEqual(['LL-006'])
    expect(await codes(`S_INTERSECTS(geom, BBOX(${x0}, ${y0}, ${x1}, ${y1}))`)).toEqual(expected)
    expect(await codes(`S_INTERSECTS(geom, POLYGON((${x0} ${y0}, ${x1} ${y0}, ${x1} ${y1}, ${x0} ${y1}, ${x0} ${y0})))`)).toEqual(expected)
    const gk = proj4('EPSG:4326', GK_114)
    const ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]].map((p) => gk.forward(p)).map(([e, n]) => `${n} ${e}`).join(', ')
    expect(await codes(`S_INTERSECTS(geom, POLYGON((${ring})))`, surveyor, `&filter-crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/4547')}`)).toEqual(expected)
    // negative numbers side by side (positions), and the whole world
    expect(await codes('S_INTERSECTS(geom, POINT(-1.5 -2))')).toEqual([])
    expect(await codes('S_INTERSECTS(geom, POLYGON((-180 -90, 180 -90, 180 90, -180 90, -180 -90)))')).toEqual(await sql('true'))
    expect(await codes('area_m2 > -1')).toEqual(await sql('true'))
    // cql-text (what GDAL sends) is read as cql2-text
    expect(await codes("code = 'LL-003'", surveyor, '&filter-lang=cql-text')).toEqual(['LL-003'])
  })

  it('joins what a filter reads: a filter on the land user of a parcel', async () => {
    expect(await codes(`land_user = '${fx.enterprise.name}'`)).toEqual([fx.enterprise.parcel])
  })
})

describe('queryables', () => {
  it('the caller\'s fields and geom, as JSON Schema and as the list GDAL reads; withheld fields absent', async () => {
    const sur = await t.app.inject({ url: '/ogc/collections/parcels/queryables', headers: surveyor })
    expect(sur.headers['content-type']).toMatch(/^application\/json/)
    const names = Object.keys(sur.json().properties)
    expect(names).toEqual(expect.arrayContaining(['geom', 'code', 'stage', 'owner_name']))
    expect(names).not.toContain('price_wan')
    expect(sur.json().queryables.map((q: { id: string }) => q.id)).toEqual(names)
    const ana = await t.app.inject({ url: '/ogc/collections/parcels/queryables', headers: { ...analyst, accept: 'application/schema+json' } })
    expect(ana.headers['content-type']).toMatch(/^application\/schema\+json/)
    expect(Object.keys(ana.json().properties)).toContain('price_wan')
    expect((await t.app.inject({ url: '/ogc/collections/parcels/queryables' })).statusCode).toBe(404)
  })

  it('a withheld field cannot be filtered on (no oracle through counts); the role that sees it can', async () => {
    const res = await t.app.inject({ url: `/ogc/collections/parcels/items?filter=${encodeURIComponent('price_wan > 0')}`, headers: surveyor })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'invalid_filter' })
    expect(res.json().message).toContain('"price_wan" is not a queryable')
    expect(await codes('price_wan > 0', analyst)).toEqual([fx.enterprise.parcel])
  })
})

describe('hostile filters: 400 naming what is wrong, nothing changed', () => {
  const HOSTILE: [string, RegExp][] = [
    ["code = 'x' OR 1=1 --'", /unexpected character "-"/],
    ["code = 'x'; DROP TABLE parcel", /unexpected character ";"/],
    ["code = 'x') OR (1=1", /unexpected "\)"|expected/],
    ['pg_sleep(10) = 1', /expected a comparison/],
    ['"p.code; DROP TABLE parcel" = 1', /not a queryable/],
    ['"geom" = 1', /is a geometry/],
    ["area_m2 > 'abc'", /cannot be compared/],
    ["code > 3", /cannot be compared/],
    ["code LIKE 3", /LIKE takes a string/],
    ['a = 1 AND', /expected a property name/],
    ["code = 'unterminated", /not closed/],
    ['code = 1e999', /out of range/],
    [`${'('.repeat(50)}code = 'x'${')'.repeat(50)}`, /nested deeper/],
    [Array.from({ length: 600 }, () => "code = 'x'").join(' OR '), /more than 500 conditions/],
    [`code = '${'x'.repeat(CQL_LIMITS.literal + 1)}'`, /string longer/],
    ['S_INTERSECTS(geom, POLYGON((1 2, 3 4, 5 6, 7 8)))', /end where it starts/],
    ['S_INTERSECTS(geom, POINT(1000 2000))', /outside/],
    ['S_INTERSECTS(geom, POINT(1))', /2 or 3 numbers/],
    ['S_INTERSECTS(geom, CIRCLE(1 2))', /expected a geometry/],
    ['S_CONTAINS(geom, POINT(1 2))', /expected a comparison/],
    ["CASEI(code) = 'x'", /CASEI is supported with LIKE only/],
    ["code = 'x' \u0000", /NUL|unexpected character/],
  ]
  it.each(HOSTILE)('%s', async (filter, why) => {
    const before = await t.database.db.one('SELECT count(*)::int AS n, md5(string_agg(code || stage, \',\' ORDER BY id)) AS h FROM parcel')
    const res = await t.app.inject({ url: `/ogc/collections/parcels/items?filter=${encodeURIComponent(filter)}`, headers: surveyor })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().message).toMatch(why)
    expect(await t.database.db.one('SELECT count(*)::int AS n, md5(string_agg(code || stage, \',\' ORDER BY id)) AS h FROM parcel')).toEqual(before)
  })

  it('a filter too long for the query string is refused by its bounds; filter-lang other than CQL2 text is refused', async () => {
    const long = await t.app.inject({ url: `/ogc/collections/parcels/items?filter=${'a'.repeat(CQL_LIMITS.length + 1)}`, headers: surveyor })
    expect(long.statusCode).toBe(400)
    const lang = await t.app.inject({ url: `/ogc/collections/parcels/items?filter=TRUE&filter-lang=cql2-json`, headers: surveyor })
    expect(lang.statusCode).toBe(400)
    expect(lang.body).toContain('filter-lang')
  })

  it('the parser reports positions (1-based) in both languages', () => {
    try {
      parseCql2("code = 'x';")
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(CqlError)
      expect((e as Error).message).toBe('过滤条件有误：无法识别的字符 ";"（第 11 个字符） / invalid filter: unexpected character ";" (at character 11)')
    }
  })
})

describe('the queryables document', () => {
  it('is a JSON Schema with its $schema and $id', async () => {
    const q = (await t.app.inject({ url: '/ogc/collections/parcels/queryables', headers: surveyor })).json()
    expect(q.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(q.$id).toMatch(/\/ogc\/collections\/parcels\/queryables$/)
    expect((await t.app.inject({ url: '/docs/json' })).statusCode).toBe(200)
  })
})
