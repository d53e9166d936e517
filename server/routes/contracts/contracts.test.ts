/** Supply contracts: search, one contract, edits (If-Match, dates in order, price for sensitive roles only), a new supply. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { COUNTY_A, COUNTY_B, creditCode, insertContract, insertEnterprise, insertParcel, seedPlaces } from '../../test/land'

let t: TestApp
type Headers = { authorization: string }
let analyst: Headers, surveyorA: Headers, surveyorB: Headers
const FIRM = creditCode(301)

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.db
  await seedPlaces(db)
  analyst = await t.loginAs('analyst', null)
  surveyorA = await t.loginAs('surveyor', [COUNTY_A])
  surveyorB = await t.loginAs('surveyor', [COUNTY_B])
  await insertEnterprise(db, FIRM, '洛阳轴承研究所有限公司')
  const a = await insertParcel(db, { code: 'C-A-1' })
  const a2 = await insertParcel(db, { code: 'C-A-2', lon: 112.46 })
  const b = await insertParcel(db, { code: 'C-B-1', county: COUNTY_B })
  await insertContract(db, { no: '洛出让〔2020〕12号', parcelId: a, landUser: FIRM, signedOn: '2020-05-01', agreedStart: '2020-11-01', agreedCompletion: '2022-05-01', standard: true })
  await insertContract(db, { no: '洛划拨〔2018〕3号', parcelId: a2, signedOn: '2018-02-01', agreedStart: null, agreedCompletion: null, terminatedOn: '2019-01-01' })
  await insertContract(db, { no: '栾出让〔2021〕7号', parcelId: b, county: COUNTY_B, signedOn: '2021-07-01', agreedStart: '2022-01-01', agreedCompletion: '2023-12-31' })
})
afterAll(async () => t.close())

const list = async (query: string, headers: Headers = analyst) => {
  const res = await t.app.inject({ url: `/api/contracts?${query}`, headers })
  expect(res.statusCode, res.body).toBe(200)
  return res.json()
}
const nos = async (query: string, headers: Headers = analyst) => (await list(query, headers)).items.map((c: { contract_no: string }) => c.contract_no)
const enc = encodeURIComponent

describe('contracts', () => {
  it('searches by county, text (Chinese numbers and names), standard land, in force, dates; paging', async () => {
    expect(await nos('county=410311')).toEqual(['洛出让〔2020〕12号', '洛划拨〔2018〕3号'])
    expect(await nos('q=' + enc('轴承'))).toEqual(['洛出让〔2020〕12号'])
    expect(await nos('q=' + enc('出让'))).toEqual(['栾出让〔2021〕7号', '洛出让〔2020〕12号'])
    expect(await nos('q=C-B-1')).toEqual(['栾出让〔2021〕7号'])
    expect(await nos('standard_land=true')).toEqual(['洛出让〔2020〕12号'])
    expect(await nos('in_force=false')).toEqual(['洛划拨〔2018〕3号'])
    expect(await nos('signed_from=2020-01-01&signed_to=2020-12-31')).toEqual(['洛出让〔2020〕12号'])
    const first = await list('limit=2')
    expect(first.numberMatched).toBe(3)
    const rest = await list(`limit=2&cursor=${first.next_cursor}`)
    expect([...first.items, ...rest.items]).toHaveLength(3)
    expect(rest.next_cursor).toBeNull()
    expect(await nos('', surveyorB)).toEqual(['栾出让〔2021〕7号'])
  })

  it('shows the price to analysts only', async () => {
    const url = `/api/contracts/${enc('洛出让〔2020〕12号')}`
    const forAnalyst = await t.app.inject({ url, headers: analyst })
    expect(forAnalyst.json()).toMatchObject({ parcel_code: 'C-A-1', land_user_name: '洛阳轴承研究所有限公司', price_wan: 1234.5 })
    expect(forAnalyst.headers.etag).toBe('"1"')
    const forSurveyor = await t.app.inject({ url, headers: surveyorA })
    expect(forSurveyor.json()).not.toHaveProperty('price_wan')
    expect(forSurveyor.body).not.toMatch(/price_wan/)
    expect((await list('q=' + enc('轴承'), surveyorA)).items[0]).not.toHaveProperty('price_wan')
    expect((await t.app.inject({ url, headers: surveyorB })).statusCode).toBe(404)
  })

  it('edits with If-Match, keeps dates in order, replaces the indicators, and refuses price edits to surveyors', async () => {
    const url = `/api/contracts/${enc('洛出让〔2020〕12号')}`
    const edit = (headers: Headers, version: number, payload: object) =>
      t.app.inject({ method: 'PATCH', url, headers: { ...headers, 'if-match': `"${version}"` }, payload })
    const early = await edit(surveyorA, 1, { agreed_start_on: '2020-01-01' })
    expect(early.statusCode).toBe(400)
    expect(early.json().detail).toEqual({ field: 'agreed_start_on' })
    const late = await edit(surveyorA, 1, { signed_on: '2022-01-01' })
    expect(late.json().detail).toEqual({ field: 'signed_on' })
    expect((await edit(surveyorA, 1, { term_years: 30 })).json().detail).toEqual({ field: 'term_years' })
    expect((await edit(surveyorA, 1, { land_user_code: creditCode(999) })).json().detail).toEqual({ field: 'land_user_code' })
    expect((await edit(surveyorA, 1, { price_wan: 1 })).statusCode).toBe(403)
    const ok = await edit(surveyorA, 1, {
      agreed_completion_on: '2022-06-30', note: '补充协议延期',
      indicators: [
        { indicator: 'plot_ratio', unit: '', direction: 'min', value: 1.2, is_core: true },
        { indicator: 'investment_intensity', unit: '万元/亩', direction: 'min', value: 300, is_core: true },
        { indicator: 'tax_per_mu', unit: '万元/亩', direction: 'min', value: 15, is_core: true },
      ],
    })
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.json()).toMatchObject({ agreed_completion_on: '2022-06-30', version: 2 })
    expect(ok.json().indicators.map((i: { indicator: string }) => i.indicator)).toEqual(['investment_intensity', 'plot_ratio', 'tax_per_mu'])
    const stale = await edit(analyst, 1, { price_wan: 2000 })
    expect(stale.statusCode).toBe(409)
    expect(stale.json().detail.current).toMatchObject({ agreed_completion_on: '2022-06-30', price_wan: 1234.5 })
    const priced = await edit(analyst, 2, { price_wan: 2000 })
    expect(priced.statusCode).toBe(200)
    // the parcel's file shows the supply edits; the price change is there for analysts, redacted for surveyors
    const forAnalyst = (await t.app.inject({ url: '/api/parcels/C-A-1/history', headers: analyst })).json().events
    const forSurveyor = (await t.app.inject({ url: '/api/parcels/C-A-1/history', headers: surveyorA })).json().events
    const priceA = forAnalyst.filter((e: { type: string; action: string }) => e.type === 'supply' && e.action === 'update').at(-1)
    expect(priceA.changes).toEqual([{ field: 'price_wan', old: 1234.5, new: 2000 }])
    const priceS = forSurveyor.filter((e: { type: string; action: string }) => e.type === 'supply' && e.action === 'update').at(-1)
    expect(priceS).toMatchObject({ changes: [], redacted: true, actor: 'user:analyst_city' })
    expect(JSON.stringify(forSurveyor)).not.toMatch(/price_wan/)
    // replacing the indicators keeps the old ones in the file
    const again = await edit(surveyorA, 3, { indicators: [{ indicator: 'plot_ratio', unit: '', direction: 'min', value: 1.5, is_core: true }] })
    expect(again.statusCode, again.body).toBe(200)
    expect(again.json().version).toBe(4)
    const file = (await t.app.inject({ url: '/api/parcels/C-A-1/history', headers: analyst })).json().events
    const removed = file.filter((e: { type: string; action: string }) => e.type === 'contract_indicator' && e.action === 'delete')
    expect(removed.map((e: { value: { indicator: string; value: number } }) => [e.value.indicator, e.value.value]).sort())
      .toEqual([['investment_intensity', 300], ['plot_ratio', 1.2], ['tax_per_mu', 15]])
    expect(file.filter((e: { type: string; action: string }) => e.type === 'contract_indicator' && e.action === 'insert')).toHaveLength(4)
  })

  it('records a new supply on a parcel in scope', async () => {
    const p = await insertParcel(t.database.db, { code: 'C-A-3', lon: 112.47 })
    expect(p).toBeGreaterThan(0)
    const body = { contract_no: '洛出让〔2023〕5号', parcel_code: 'C-A-3', supply_method: 'grant', signed_on: '2023-03-01', land_user_code: FIRM, agreed_start_on: '2023-09-01' }
    const outside = await t.app.inject({ method: 'POST', url: '/api/contracts', headers: surveyorB, payload: body })
    expect(outside.statusCode).toBe(400)
    expect(outside.json().detail).toEqual({ field: 'parcel_code' })
    const res = await t.app.inject({ method: 'POST', url: '/api/contracts', headers: surveyorA, payload: body })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json()).toMatchObject({ parcel_code: 'C-A-3', land_user_code: FIRM, version: 1 })
    expect((await t.app.inject({ method: 'POST', url: '/api/contracts', headers: surveyorA, payload: body })).statusCode).toBe(409)
    const card = (await t.app.inject({ url: '/api/parcels/C-A-3', headers: surveyorA })).json().properties
    expect(card.land_user.name).toBe('洛阳轴承研究所有限公司')
  })
})
