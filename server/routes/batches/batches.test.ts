/** Approval batches (批次): search by text, county, date and bbox; one batch with its parcels; edits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as turf from '@turf/turf'
import { createTestApp, type TestApp } from '../../test/app'
import { COUNTY_A, COUNTY_B, insertParcel, seedPlaces, squareGeoJson, squareWkt } from '../../test/land'

let t: TestApp
type Headers = { authorization: string }
let analyst: Headers, surveyorA: Headers

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await seedPlaces(db)
  analyst = await t.loginAs('analyst', null)
  surveyorA = await t.loginAs('surveyor', [COUNTY_A])
  await db.none(`INSERT INTO approval_batch (approval_no, name, county_code, cluster_code, approved_on, geom) VALUES
    ('豫政土〔2017〕45号', '洛龙区2017年度第三批次城市建设用地', $1, 'luolong', '2017-08-01', ST_GeomFromText($3, 4490)),
    ('豫政土〔2020〕12号', '洛龙区2020年度第一批次', $1, 'luolong', '2020-03-15', ST_GeomFromText($4, 4490)),
    ('豫政土〔2019〕88号', '栾川县2019年度第二批次', $2, 'luanchuan', '2019-06-20', ST_GeomFromText($5, 4490))`,
  [COUNTY_A, COUNTY_B, squareWkt(112.45, 34.60, 0.01), squareWkt(112.50, 34.60, 0.01), squareWkt(111.60, 33.80, 0.01)])
  await insertParcel(db, { code: 'BP-1', lon: 112.451, lat: 34.601, size: 0.002 })
  await insertParcel(db, { code: 'BP-2', lon: 112.459, lat: 34.601, size: 0.002 }) // half outside the 2017 batch
})
afterAll(async () => t.close())

const ids = async (query: string, headers: Headers = analyst) =>
  (await t.app.inject({ url: `/api/batches?${query}`, headers })).json().features.map((f: { id: string }) => f.id)
const enc = encodeURIComponent

describe('approval batches', () => {
  it('searches by text, county, approval date and bbox', async () => {
    expect(await ids('q=' + enc('2017 第三批次'))).toEqual(['豫政土〔2017〕45号'])
    expect(await ids('q=' + enc('栾川'))).toEqual(['豫政土〔2019〕88号'])
    expect(await ids('county=410311')).toEqual(['豫政土〔2017〕45号', '豫政土〔2020〕12号'])
    expect(await ids('approved_from=2019-01-01&approved_to=2020-12-31')).toEqual(['豫政土〔2019〕88号', '豫政土〔2020〕12号'])
    expect(await ids('bbox=112.495,34.595,112.505,34.605')).toEqual(['豫政土〔2020〕12号'])
    expect(await ids('', surveyorA)).toEqual(['豫政土〔2017〕45号', '豫政土〔2020〕12号'])
  })

  it('shows one batch with the parcels on it and their overlap', async () => {
    const res = await t.app.inject({ url: `/api/batches/${enc('豫政土〔2017〕45号')}`, headers: surveyorA })
    expect(res.statusCode).toBe(200)
    const p = res.json().properties
    const batchArea = turf.area(turf.polygon(squareGeoJson(112.45, 34.60, 0.01).coordinates))
    expect(Math.abs(p.area_m2 - batchArea) / batchArea).toBeLessThan(0.005)
    expect(p.parcels.map((x: { code: string }) => x.code)).toEqual(['BP-1', 'BP-2'])
    // BP-2 straddles the east edge at 112.46: half of it lies on the batch
    const half = turf.area(turf.polygon(squareGeoJson(112.459, 34.601, 0.001).coordinates)) * 2
    expect(Math.abs(p.parcels[1].overlap_m2 - half) / half).toBeLessThan(0.005)
    expect((await t.app.inject({ url: `/api/batches/${enc('豫政土〔2019〕88号')}`, headers: surveyorA })).statusCode).toBe(404)
  })

  it('edits with If-Match and validates the date and the geometry', async () => {
    const url = `/api/batches/${enc('豫政土〔2020〕12号')}`
    const edit = (version: number, payload: object) => t.app.inject({ method: 'PATCH', url, headers: { ...surveyorA, 'if-match': `"${version}"` }, payload })
    expect((await edit(1, { approved_on: '2099-01-01' })).json().detail).toEqual({ field: 'approved_on' })
    expect((await edit(1, { cluster_code: 'luanchuan' })).json().detail).toEqual({ field: 'cluster_code' })
    const ok = await edit(1, { name: '洛龙区2020年度第一批次（更正）', geometry: squareGeoJson(112.50, 34.60, 0.012) })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json().properties.version).toBe(2)
    expect((await edit(1, { name: 'x' })).statusCode).toBe(409)
  })
})
