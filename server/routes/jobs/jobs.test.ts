/** GET /api/jobs and /api/jobs/:id over the job table: the scheduled alert scan and analysis refresh
 * run through the app's runner once per slot, their state and result readable; an admin sees every
 * job, another role only its own (someone else's answers like a missing one). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, type TestApp } from '../../test/app'
import { ALERT_SCAN_JOB } from '../alerts'
import { REFRESH_JOB } from '../../plugins/daily-refresh'
import { RECOMPUTE_JOB } from '../analysis'
import { STARTED_BY_MESSAGES } from '../../jobs/started-by'
import { jobOutcome } from '../../test/jobs'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ ONEMAP_JOB_POLL_SECONDS: '1' })
  await t.app.ready()
})
afterAll(async () => t?.close())

const state = async (id: number) => (await t.database.db.one('SELECT state FROM job WHERE id = $1', [id])).state as string
async function untilDone(id: number) {
  while (!['done', 'failed'].includes(await state(id))) await new Promise((r) => setTimeout(r, 25))
}

describe('jobs', () => {
  it('the scheduled alert scan runs once per slot through the runner; an admin reads it, others do not', async () => {
    const admin = await t.loginAs('admin', null)
    const analyst = await t.loginAs('analyst', ['410311'])
    const scansBefore = (await t.database.db.one("SELECT count(*)::int AS n FROM alert_scan WHERE trigger = 'schedule'")).n
    const now = Date.UTC(2026, 11, 7, 4, 0, 0)
    const first = await t.app.jobs.schedule(ALERT_SCAN_JOB, 60_000, now)
    const again = await t.app.jobs.schedule(ALERT_SCAN_JOB, 60_000, now + 30_000)
    expect(again).toEqual({ id: first.id, created: false })
    await untilDone(first.id)
    expect((await t.database.db.one("SELECT count(*)::int AS n FROM alert_scan WHERE trigger = 'schedule'")).n).toBe(scansBefore + 1)

    const res = await t.app.inject({ url: `/api/jobs/${first.id}`, headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      id: first.id, kind: 'alert-scan', kind_name: '疑似闲置地块扫描', state: 'done', state_name: '已完成', attempt: 1,
      message: '已完成', done: 1, total: 1, result: { created: 0 },
    })
    const list = await t.app.inject({ url: '/api/jobs?state=done', headers: admin })
    expect(list.statusCode).toBe(200)
    expect(list.json().map((j: { id: number }) => j.id)).toContain(first.id)

    // a scheduled job belongs to no one: another role sees it as missing
    expect((await t.app.inject({ url: `/api/jobs/${first.id}`, headers: analyst })).statusCode).toBe(404)
    expect((await t.app.inject({ url: '/api/jobs', headers: analyst })).json()).toEqual([])
    expect((await t.app.inject({ url: '/api/jobs/999999', headers: admin })).json().message).toBe('未找到任务 999999 / no job 999999')
  })

  it('a job a user started is theirs to read; the analysis refresh reports what it did', async () => {
    const analyst = await t.loginAs('analyst', ['410311'])
    const me = (await t.database.db.one("SELECT id FROM app_user WHERE username = 'analyst_410311'")).id as number
    const { id } = await t.app.jobs.enqueue({ kind: REFRESH_JOB, createdBy: me })
    await untilDone(id)
    const res = await t.app.inject({ url: `/api/jobs/${id}`, headers: analyst })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ kind: 'analysis-refresh', kind_name: '分析快照更新', state: 'done', result: { pending: 0, archived: 0 } })
    expect(res.json().result.refreshed).toBeTypeOf('boolean')
    expect((await t.app.inject({ url: '/api/jobs', headers: analyst })).json().map((j: { id: number }) => j.id)).toEqual([id])
    const surveyor = await t.loginAs('surveyor', ['410311'])
    expect((await t.app.inject({ url: `/api/jobs/${id}`, headers: surveyor })).statusCode).toBe(404)
  })

  it('a job started by hand runs as its starter as they are when it runs: a deactivated or demoted one does nothing', async () => {
    const admin = await t.loginAs('admin', null, 'admin.later')
    const db = t.database.db
    const me = (await db.one("SELECT id FROM app_user WHERE username = 'admin.later'")).id as number
    const started = await t.app.inject({ method: 'POST', url: '/api/analysis/refresh', headers: admin, payload: { asOf: '2024-06-30' } })
    expect(started.statusCode, started.body).toBe(202)
    const done = await jobOutcome<{ as_of: string }>(t.app, started, admin)
    expect(done).toMatchObject({ kind: RECOMPUTE_JOB, state: 'done', result: { as_of: '2024-06-30' } })
    // the account demoted, then deactivated, after it queued a job and before the job runs
    const snapshotBefore = await db.one('SELECT count(*)::int AS n FROM event_log')
    await db.none("UPDATE app_user SET role = 'analyst' WHERE id = $1", [me])
    const demoted = await t.app.jobs.enqueue({ kind: RECOMPUTE_JOB, payload: { asOf: '2024-06-30' }, createdBy: me })
    await untilDone(demoted.id)
    await db.none("UPDATE app_user SET role = 'admin', active = false WHERE id = $1", [me])
    const gone = await t.app.jobs.enqueue({ kind: RECOMPUTE_JOB, payload: { asOf: '2024-06-30' }, createdBy: me })
    await untilDone(gone.id)
    await db.none('UPDATE app_user SET active = true WHERE id = $1', [me])
    const rows = await db.any('SELECT id, state, error FROM job WHERE id = ANY($1) ORDER BY id', [[demoted.id, gone.id]])
    expect(rows).toEqual([
      { id: demoted.id, state: 'failed', error: STARTED_BY_MESSAGES.role },
      { id: gone.id, state: 'failed', error: STARTED_BY_MESSAGES.gone },
    ])
    // nothing was written in their name
    expect(await db.one('SELECT count(*)::int AS n FROM event_log')).toEqual(snapshotBefore)
  })
})
