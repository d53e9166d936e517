/** The sign-in steps and the duty officers' screens in headless Chromium, with the second factor
 * required (ONEMAP_TOTP_REQUIRED=true, as outside the demo): a security officer sets up TOTP from
 * the QR code's secret (recovery codes shown once) and creates a county analyst in 用户管理; the
 * analyst signs in with the password shown and must change it first; the officer signs in again
 * with a TOTP code; an audit officer finds the user's creation in 审计记录. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generate } from 'otplib'
import { PASSWORD, openPage, startHarness, type MapHarness, withPage } from './harness'
import { BROWSER_TEST_MS } from '../../server/test/budget'
import { hashPassword } from '../../server/auth'
import type { Page } from 'playwright-core'

let h: MapHarness
const AUDIT_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'

beforeAll(async () => {
  h = await startHarness({ ONEMAP_TOTP_REQUIRED: 'true' })
  const db = h.t.database.db
  await db.users.create({ username: 'sec.map', display_name: '安全管理员甲', role: 'security', county_scope: null, password_hash: await hashPassword(PASSWORD) })
  await db.users.create({ username: 'aud.map', display_name: '审计管理员乙', role: 'audit', county_scope: null, password_hash: await hashPassword(PASSWORD) })
  // the audit officer's second factor set up already
  await db.none(`UPDATE app_user SET totp_secret = $1 WHERE username = 'aud.map'`, [AUDIT_SECRET])
}, 240_000)
afterAll(async () => h?.close())

async function typeLogin(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#login input[name=username]', username)
  await page.fill('#login input[name=password]', password)
  await page.click('#login button[type=submit]')
}

describe('sign-in steps and the officers\' screens', { timeout: BROWSER_TEST_MS }, () => {
  it('a security officer enrols a second factor and creates a county analyst, who must change the password; TOTP at the next sign-in; the audit trail shows it', async () => {
    const db = h.t.database.db
    const w = await openPage(h)
    let created = ''
    let secret = ''
    try {
      const page = w.page
      await typeLogin(page, 'sec.map', PASSWORD)
      // set-up: the QR code drawn, the secret beside it
      await page.waitForSelector('[data-testid=totp-qr]')
      expect(await page.$eval('[data-testid=totp-qr]', (img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
      secret = (await page.textContent('[data-testid=totp-secret]'))!.trim()
      expect((await db.one(`SELECT totp_pending_secret AS s FROM app_user WHERE username = 'sec.map'`)).s).toBe(secret)
      await page.fill('[data-testid=totp-code]', await generate({ secret }))
      await page.click('#sign-in-steps button[type=submit]')
      await page.waitForSelector('[data-testid=recovery-codes] li')
      expect(await page.locator('[data-testid=recovery-codes] li').count()).toBe(10)
      await page.click('#sign-in-steps button.saved')
      await page.waitForSelector('[data-testid=user]')
      expect(await page.textContent('[data-testid=user]')).toContain('安全管理员')

      // 用户管理: a new analyst of 洛龙区
      await page.click('#open-users')
      await page.waitForSelector('#user-admin tr[data-user="sec.map"]')
      await page.fill('#user-admin input[name=username]', 'analyst.map2')
      await page.fill('#user-admin input[name=display_name]', '洛龙分析员')
      await page.selectOption('#user-admin select[name=role]', 'analyst')
      // the county scope chosen by name (the codes stay behind the checkboxes)
      await page.click('#user-admin .scope-pick summary')
      await page.check('#user-admin input[name=county_scope][value="410311"]')
      expect((await page.textContent('#user-admin .scope-pick'))!).toContain('洛龙区')
      await page.click('#user-admin form.new-user button[type=submit]')
      await page.waitForSelector('#user-admin tr[data-user="analyst.map2"]')
      expect(await page.textContent('#user-admin tr[data-user="analyst.map2"]')).toContain('洛龙区')
      created = (await page.textContent('[data-testid=new-password]'))!.trim()
      expect(await db.one(`SELECT role, county_scope, password_must_change FROM app_user WHERE username = 'analyst.map2'`))
        .toEqual({ role: 'analyst', county_scope: ['410311'], password_must_change: true })
      expect(w.consoleErrors).toEqual([])
    } finally {
      await w.context.close()
    }

    // the analyst signs in with the password shown and changes it first
    await withPage(h, async (a) => {
      const page = a.page
      await typeLogin(page, 'analyst.map2', created)
      await page.waitForSelector('#sign-in-steps input[name=current]')
      await page.fill('#sign-in-steps input[name=current]', created)
      await page.fill('#sign-in-steps input[name=password]', 'short')
      await page.fill('#sign-in-steps input[name=again]', 'short')
      await page.click('#sign-in-steps button[type=submit]')
      await page.waitForFunction(() => /至少 10 位/.test(document.querySelector('#sign-in-steps .error')?.textContent ?? ''))
      await page.fill('#sign-in-steps input[name=password]', 'Luolong-Analyst-7')
      await page.fill('#sign-in-steps input[name=again]', 'Luolong-Analyst-7')
      await page.click('#sign-in-steps button[type=submit]')
      await page.waitForSelector('[data-testid=user]')
      expect(await page.textContent('[data-testid=user]')).toContain('洛龙分析员')
      expect((await db.one(`SELECT password_must_change FROM app_user WHERE username = 'analyst.map2'`)).password_must_change).toBe(false)
    })

    // the officer again: a TOTP code this time (the next time step: the set-up's is used)
    await withPage(h, async (s) => {
      const page = s.page
      await typeLogin(page, 'sec.map', PASSWORD)
      await page.waitForSelector('[data-testid=totp-code]')
      await page.fill('[data-testid=totp-code]', await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }))
      await page.click('#sign-in-steps button[type=submit]')
      await page.waitForSelector('[data-testid=user]')
      expect(await page.isVisible('#open-users')).toBe(true)
    })

    // the audit officer finds the creation in 审计记录
    await withPage(h, async (r) => {
      const page = r.page
      await typeLogin(page, 'aud.map', PASSWORD)
      await page.waitForSelector('[data-testid=totp-code]')
      await page.fill('[data-testid=totp-code]', await generate({ secret: AUDIT_SECRET }))
      await page.click('#sign-in-steps button[type=submit]')
      await page.waitForSelector('#open-audit')
      await page.click('#open-audit')
      await page.selectOption('#audit-trail select[name=kind]', 'user_created')
      await page.click('#audit-trail form.filter button[type=submit]')
      // the filtered list (the unfiltered one is shown first): user_created rows only (新建用户, in
      // the words of server/labels/), the analyst's among them
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('#audit-trail .list tbody tr')]
        return rows.length > 0 && rows.every((r) => r.children[2]?.textContent === '新建用户') && rows.some((r) => /analyst\.map2/.test(r.textContent ?? ''))
      })
      const row = await page.locator('#audit-trail .list tbody tr', { hasText: 'analyst.map2' }).textContent()
      expect(row).toContain('sec.map')
      expect(row).toContain('安全管理员')
      // the details in words: the role by its name
      expect(row).toContain('角色：分析员')
      await page.click('#audit-trail button.check')
      await page.waitForFunction(() => /完整/.test(document.querySelector('[data-testid=audit-status]')?.textContent ?? ''))
      expect(r.consoleErrors).toEqual([])
      expect(r.outside).toEqual([])
    })
  })
})
