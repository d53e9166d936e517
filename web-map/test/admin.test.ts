/** The administrator's screens in headless Chromium, on a real server and PostGIS: adding a county
 * rule version (a value refused in the browser first, then saved, then the server's refusal of
 * the same date shown in Chinese), setting an official 低效 flag on a parcel's card (it shows in
 * the card and in its file), recording a lease (a malformed tenant code refused first), running the
 * analysis refresh from 任务, and publishing the public list after its preview —
 * the public page then shows it without login, the same rows as the preview. Each outcome is read
 * back from the database. Creating a user (security officer) is in account.test.ts. */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ARTIFACTS, signInAs, startHarness, type MapHarness, withPage } from './harness'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { creditCodeCheck } from '../../server/common/credit-code'

let h: MapHarness
let today: string
let future: string
const FLAG_PARCEL = 'LL-001'
const FLAG_DOC = '洛政〔2026〕41号'
const TENANT_17 = '91410300123456782'
const TENANT = TENANT_17 + creditCodeCheck(TENANT_17)

beforeAll(async () => {
  h = await startHarness()
  const db = h.t.database.db
  ;({ today, future } = await db.one(`SELECT luoyang_today()::text AS today, (luoyang_today() + 10)::text AS future`))
  await db.none(`INSERT INTO enterprise (credit_code, name, county_code, industry) VALUES ($1, '洛阳承租精密制造有限公司', '410311', '装备制造')`, [TENANT])
}, 240_000)
afterAll(async () => h?.close())

async function openCard(page: Page, code: string): Promise<void> {
  await page.fill('#search', code)
  await page.waitForSelector('#search-results li[data-i]')
  await page.press('#search', 'Enter')
  await page.waitForFunction((c) => document.querySelector('[data-testid=card-code]')?.textContent === c, code)
}

describe('the administrator\'s screens', { timeout: BROWSER_TEST_MS * 2 }, () => {
  it('adds a rule version, flags a parcel, records a lease, runs a refresh, previews and publishes the public list', async () => {
    const db = h.t.database.db
    expect(h.fx.parcels.map((p) => p.code)).toContain(FLAG_PARCEL)
    await withPage(h, async (w) => {
      const page = w.page
      // not for the others: the button is the admin's only
      expect(await page.isHidden('#open-admin')).toBe(true)
      await signInAs(page, 'map.admin')

      // ---- 县区规则: 洛龙区's own 闲置认定天数 from a date ten days ahead
      await page.click('#open-admin')
      const rule = '#admin-panel details.rule[data-rule=idle_days]'
      await page.click(`${rule} summary`)
      await page.click(`${rule} .add-version`)
      const form = `${rule} form.rule-form`
      await page.selectOption(`${form} select[name=county]`, '410311')
      await page.fill(`${form} input[name=value]`, '0')
      await page.fill(`${form} input[name=effective_from]`, future)
      await page.fill(`${form} input[name=note]`, '洛龙区规〔2026〕9号')
      await page.click(`${form} button[type=submit]`)
      // refused in the browser, as the server would (whole days, at least 1): nothing written
      expect(await page.textContent('[data-testid=rule-message]')).toContain('不小于 1 的整天数')
      expect(await db.one(`SELECT count(*)::int AS n FROM county_rule WHERE key = 'idle_days' AND county_code = '410311'`)).toEqual({ n: 0 })
      await page.fill(`${form} input[name=value]`, '500')
      await page.click(`${form} button[type=submit]`)
      await page.waitForSelector(`${rule}[open] tr[data-version]:has-text("洛龙区")`)
      const row = (await page.textContent(`${rule} tr[data-version]:has-text("洛龙区")`))!
      expect(row).toContain('500')
      expect(row).toContain(future)
      expect(row).toContain('待生效')
      expect(row).toContain('测试admin')
      expect(await db.any(`SELECT value, effective_from::text AS from, note FROM county_rule WHERE key = 'idle_days' AND county_code = '410311'`))
        .toEqual([{ value: 500, from: future, note: '洛龙区规〔2026〕9号' }])
      // the same date again: the server's refusal (409), in Chinese only
      await page.click(`${rule} .add-version`)
      await page.selectOption(`${form} select[name=county]`, '410311')
      await page.fill(`${form} input[name=value]`, '400')
      await page.fill(`${form} input[name=effective_from]`, future)
      await page.fill(`${form} input[name=note]`, '重复')
      await page.click(`${form} button[type=submit]`)
      await page.waitForFunction(() => !!document.querySelector('[data-testid=rule-message]')?.textContent)
      const refusal = (await page.textContent('[data-testid=rule-message]'))!
      expect(refusal).toContain('已有版本')
      expect(refusal).not.toMatch(/[A-Za-z]{3}/)
      await page.screenshot({ path: path.join(ARTIFACTS, 'admin-rules.png') })
      await page.click('#admin-panel .close')

      // ---- 官方认定 on the card: 低效 type 6 (其他) from 2025-03-01
      await openCard(page, FLAG_PARCEL)
      await page.waitForSelector('[data-testid=card-flags] details.set-flag')
      await page.click('[data-testid=card-flags] details.set-flag summary')
      await page.selectOption('[data-testid=card-flags] select[name=kind]', 'other')
      await page.fill('[data-testid=card-flags] input[name=doc_no]', FLAG_DOC)
      await page.fill('[data-testid=card-flags] input[name=set_on]', '2025-03-01')
      await page.fill('[data-testid=card-flags] input[name=reason]', '长期低效利用，列入处置名单')
      await page.click('[data-testid=card-flags] .flag-form button[type=submit]')
      await page.waitForSelector('[data-testid=card-flags] [data-flag]')
      expect(await page.textContent('[data-testid=card-flags] [data-flag]')).toContain(FLAG_DOC)
      expect(await db.one(`SELECT f.kind, f.doc_no, f.set_on::text AS set_on, f.cleared_on FROM parcel_flag f JOIN parcel p ON p.id = f.parcel_id WHERE p.code = $1`, [FLAG_PARCEL]))
        .toEqual({ kind: 'other', doc_no: FLAG_DOC, set_on: '2025-03-01', cleared_on: null })
      // in the parcel's file (一地一档), by its name, not its code
      await page.waitForFunction((doc) => [...document.querySelectorAll('#card-panel ol.timeline li')].some((li) => li.textContent!.includes('官方认定') && li.textContent!.includes(doc)), FLAG_DOC)
      await page.screenshot({ path: path.join(ARTIFACTS, 'admin-card-flag.png') })

      // ---- 租赁 on the card of the land user's parcel: the land user leases 800 m² to the tenant
      await openCard(page, h.fx.enterprise.parcel)
      await page.waitForSelector('[data-testid=card-leases] details.add-lease')
      await page.click('[data-testid=card-leases] details.add-lease summary')
      const lease = '[data-testid=card-leases] form.lease-form'
      expect(await page.inputValue(`${lease} input[name=landholder_code]`)).toBe(h.fx.enterprise.credit_code)
      await page.fill(`${lease} input[name=tenant_code]`, 'NOT-A-CODE')
      await page.fill(`${lease} input[name=area_m2]`, '800')
      await page.fill(`${lease} input[name=starts_on]`, '2025-01-01')
      await page.fill(`${lease} input[name=doc_no]`, 'ZL-2025-001')
      await page.click(`${lease} button[type=submit]`)
      expect(await page.textContent('[data-testid=lease-message]')).toContain('承租企业信用代码应为 18 位')
      expect(await db.one('SELECT count(*)::int AS n FROM lease')).toEqual({ n: 0 })
      await page.fill(`${lease} input[name=tenant_code]`, TENANT)
      await page.click(`${lease} button[type=submit]`)
      await page.waitForSelector('[data-testid=card-leases] [data-lease]')
      expect(await page.textContent('[data-testid=card-leases] [data-lease]')).toContain('洛阳承租精密制造有限公司')
      expect(await db.one(`SELECT l.landholder_code, l.tenant_code, l.area_m2::float AS area, l.starts_on::text AS starts_on, l.ends_on FROM lease l
        JOIN parcel p ON p.id = l.parcel_id WHERE p.code = $1`, [h.fx.enterprise.parcel]))
        .toEqual({ landholder_code: h.fx.enterprise.credit_code, tenant_code: TENANT, area: 800, starts_on: '2025-01-01', ends_on: null })
      await page.screenshot({ path: path.join(ARTIFACTS, 'admin-card-lease.png') })
      await page.click('#card-panel .close')

      // ---- 任务: the analysis refresh, its result in words
      // a scheduled refresh another process ran, as the job table records it (server/jobs/queue.ts)
      const job = await db.one(`INSERT INTO job (kind, dedupe_key, state, attempt, phase, message, done, total, result, started_at, finished_at)
        VALUES ('analysis-refresh', 'admin-test', 'done', 2, 'done', '已更新认定结果', 4, 4, '{}', now() - interval '2 minutes', now()) RETURNING id`, [], (r: { id: string }) => Number(r.id))
      await page.click('#open-admin')
      await page.click('#admin-panel [data-tab=jobs]')
      // the background jobs under the buttons: kind, state (the second attempt), progress, times in words
      await page.waitForSelector(`[data-testid=job-list] tr[data-job-id="${job}"]`)
      const jobRow = await page.locator(`[data-testid=job-list] tr[data-job-id="${job}"] td`).allTextContents()
      expect(jobRow.slice(0, 3)).toEqual(['分析快照更新', '已完成（第 2 次）', '4/4 · 已更新认定结果'])
      for (const time of jobRow.slice(3)) expect(time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/)
      await page.click('#admin-panel [data-job=refresh] .run')
      await page.waitForFunction(() => document.querySelector('[data-testid=job-refresh]')?.textContent?.startsWith('完成'))
      const done = (await page.textContent('[data-testid=job-refresh]'))!
      expect(done).toContain(`基准日 ${today}`)
      expect(await page.isEnabled('#admin-panel [data-job=refresh] .run')).toBe(true)
      expect(done).toMatch(/认定结果 \d+ 条，批次 \d+ 个，变化图斑 \d+ 个，用时 [\d.]+ 秒/)
      // it ran as a job of the job table (whichever process claims it), started by the admin, its
      // start in the audit trail; the words are the job's result
      const ran = await db.one(`SELECT j.id, j.state, j.attempt, j.result, u.username FROM job j JOIN app_user u ON u.id = j.created_by
        WHERE j.kind = 'analysis-recompute' ORDER BY j.id DESC LIMIT 1`)
      expect(ran).toMatchObject({ state: 'done', attempt: 1, username: 'map.admin', result: { as_of: today } })
      expect(done).toContain(`认定结果 ${ran.result.findings} 条，批次 ${ran.result.batches} 个，变化图斑 ${ran.result.changes} 个`)
      expect(await db.one(`SELECT username, result, detail->>'job' AS job FROM security_event WHERE kind = 'job_started' ORDER BY seq DESC LIMIT 1`))
        .toEqual({ username: 'map.admin', result: 'ok', job: String(ran.id) })
      // and the list under the buttons, read again, shows it done
      await page.waitForSelector(`[data-testid=job-list] tr[data-job-id="${ran.id}"]`)
      expect((await page.locator(`[data-testid=job-list] tr[data-job-id="${ran.id}"] td`).allTextContents()).slice(0, 3))
        .toEqual(['全量重算', '已完成', '1/1 · 已完成'])

      // ---- 公示发布: the preview, then the publication
      await page.click('#admin-panel [data-tab=publish]')
      await page.click('#admin-panel button.preview')
      await page.waitForSelector('[data-testid=publish-preview] ul.counts')
      const previewCount = await page.evaluate(() => [...document.querySelectorAll('[data-testid=publish-preview] [data-count]')]
        .reduce((n, el) => n + Number(el.textContent), 0))
      const previewRows = await page.locator('[data-testid=publish-preview] table.preview tr').count() - 1
      expect(previewCount).toBeGreaterThan(0)
      expect(previewRows).toBe(Math.min(previewCount, 200))
      // the flagged parcel is inefficient today (type 6 from 2025-03-01): it is on the list
      expect(await page.textContent('[data-testid=publish-preview]')).toContain(FLAG_PARCEL)
      expect(await db.one(`SELECT count(*)::int AS n FROM governance.report WHERE kind = 'disclosure'`)).toEqual({ n: 0 })
      await page.screenshot({ path: path.join(ARTIFACTS, 'admin-publish-preview.png') })
      await page.click('#admin-panel button.publish')
      await page.waitForFunction(() => document.querySelector('[data-testid=publish-status]')?.textContent?.startsWith('已发布'))
      expect(await page.textContent('[data-testid=publish-status]')).toContain(`共 ${previewCount} 条`)
      expect(await db.one(`SELECT count(*)::int AS n FROM governance.report WHERE kind = 'disclosure'`)).toEqual({ n: 1 })
      // the one refusal asked for above (the rule version's date taken) is the only failed request
      expect(w.consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 409 (Conflict)'])
      expect(w.outside).toEqual([])
    })

    // ---- the public page, without login: the same rows
    await withPage(h, async (pub) => {
      await pub.page.goto(h.origin + '/disclosure.html')
      await pub.page.waitForSelector('#list tr[data-seq]')
      expect(await pub.page.locator('#list tr[data-seq]').count()).toBe(await db.one(
        `SELECT count(*)::int AS n FROM governance.disclosure_item d JOIN governance.report r ON r.id = d.report_id WHERE r.kind = 'disclosure'`, [], (r) => r.n))
      expect(await pub.page.textContent('#list')).toContain(FLAG_PARCEL)
      await pub.page.screenshot({ path: path.join(ARTIFACTS, 'admin-public-after-publish.png') })
      expect(pub.consoleErrors).toEqual([])
    })
  })
})
