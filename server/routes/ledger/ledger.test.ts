/** The disposal ledger (工作台账, annex 3 art. 6): per parcel and across the caller's counties, overdue entries flagged. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { COUNTY_A, COUNTY_B, insertParcel, seedPlaces } from '../../test/land'

let t: TestApp
type Headers = { authorization: string }
let analyst: Headers, surveyorA: Headers, surveyorB: Headers, inspectorA: Headers

beforeAll(async () => {
  t = await createTestApp()
  await seedPlaces(t.database.db)
  analyst = await t.loginAs('analyst', null)
  surveyorA = await t.loginAs('surveyor', [COUNTY_A])
  surveyorB = await t.loginAs('surveyor', [COUNTY_B])
  inspectorA = await t.loginAs('inspector', [COUNTY_A])
  await insertParcel(t.database.db, { code: 'L-A-1' })
  await insertParcel(t.database.db, { code: 'L-B-1', county: COUNTY_B })
})
afterAll(async () => t.close())

const post = (code: string, headers: Headers, payload: object) =>
  t.app.inject({ method: 'POST', url: `/api/parcels/${code}/ledger`, headers, payload })

/** Today in Luoyang (UTC+8), computed here independently of the database. */
const todayCn = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10)
const addDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86400_000).toISOString().slice(0, 10)

describe('disposal ledger', () => {
  it('adds measures, flags the overdue ones, and completes them with If-Match', async () => {
    const past = addDays(todayCn(), -10)
    const future = addDays(todayCn(), 30)
    const late = await post('L-A-1', surveyorA, { measure: '二次开发', cause: '产出未达标（连续两年C类）', deadline: past, responsible_unit: '洛龙区产业集聚区管委会' })
    expect(late.statusCode, late.body).toBe(201)
    expect(late.json()).toMatchObject({ measure: '二次开发', deadline: past, overdue: true, days_overdue: 10, version: 1 })
    const soon = await post('L-A-1', surveyorA, { measure: '政府收储', deadline: future, responsible_unit: '洛龙区土地储备中心', progress: '已启动评估' })
    expect(soon.json()).toMatchObject({ overdue: false, days_overdue: null })
    expect((await post('L-A-1', surveyorA, { measure: '拍卖', deadline: future, responsible_unit: 'x' })).statusCode).toBe(400)
    expect((await post('L-A-1', inspectorA, { measure: '收回', deadline: future, responsible_unit: 'x' })).statusCode).toBe(403)
    expect((await post('L-B-1', surveyorA, { measure: '收回', deadline: future, responsible_unit: 'x' })).statusCode).toBe(404)

    const id = late.json().id
    const url = `/api/parcels/L-A-1/ledger/${id}`
    const progress = await t.app.inject({ method: 'PATCH', url, headers: { ...surveyorA, 'if-match': '"1"' }, payload: { progress: '已签订收购协议' } })
    expect(progress.statusCode).toBe(200)
    expect((await t.app.inject({ method: 'PATCH', url, headers: { ...surveyorA, 'if-match': '"1"' }, payload: { progress: 'x' } })).statusCode).toBe(409)
    const tomorrow = addDays(todayCn(), 1)
    const early = await t.app.inject({ method: 'PATCH', url, headers: { ...surveyorA, 'if-match': '"2"' }, payload: { completed_on: tomorrow } })
    expect(early.json().detail).toEqual({ field: 'completed_on' })
    const done = await t.app.inject({ method: 'PATCH', url, headers: { ...surveyorA, 'if-match': '"2"' }, payload: { completed_on: todayCn() } })
    expect(done.json()).toMatchObject({ overdue: false, completed_late: true, completed_on: todayCn(), version: 3 })

    const ledger = (await t.app.inject({ url: '/api/parcels/L-A-1/ledger', headers: surveyorA })).json()
    // open entries first
    expect(ledger.entries.map((e: { measure: string }) => e.measure)).toEqual(['政府收储', '二次开发'])
    const file = (await t.app.inject({ url: '/api/parcels/L-A-1/history', headers: surveyorA })).json().events
    const progressEdits = file.filter((e: { type: string; action: string }) => e.type === 'disposal' && e.action === 'update')
    expect(progressEdits[0].changes).toEqual([{ field: 'progress', old: null, new: '已签订收购协议' }])
    expect((await t.app.inject({ url: '/api/parcels/L-B-1/ledger', headers: surveyorA })).statusCode).toBe(404)
  })

  it('lists the ledger of the caller\'s counties, overdue and open on request', async () => {
    await post('L-B-1', surveyorB, { measure: '闲置费', cause: '逾期未动工满一年', deadline: addDays(todayCn(), -400), responsible_unit: '栾川县自然资源局' })
    const all = (await t.app.inject({ url: '/api/ledger', headers: analyst })).json()
    expect(all.numberMatched).toBe(3)
    const overdue = (await t.app.inject({ url: '/api/ledger?overdue=true', headers: analyst })).json()
    expect(overdue.items.map((e: { parcel_code: string; days_overdue: number }) => [e.parcel_code, e.days_overdue])).toEqual([['L-B-1', 400]])
    const mine = (await t.app.inject({ url: '/api/ledger?open=true', headers: surveyorA })).json()
    expect(mine.items.map((e: { parcel_code: string; measure: string }) => [e.parcel_code, e.measure])).toEqual([['L-A-1', '政府收储']])
    const byMeasure = (await t.app.inject({ url: `/api/ledger?measure=${encodeURIComponent('闲置费')}`, headers: analyst })).json()
    expect(byMeasure.numberMatched).toBe(1)
  })
})
