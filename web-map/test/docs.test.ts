/** The API document in Swagger UI (/docs), under the server's Content-Security-Policy: it renders
 * the operations, and Authorize with a login token makes "Try it out" send the bearer token. */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ARTIFACTS, PASSWORD, openPage, startHarness, type MapHarness } from './harness'
import { BROWSER_TEST_MS } from '../../server/test/budget'

let h: MapHarness
beforeAll(async () => {
  h = await startHarness()
}, 180_000)
afterAll(async () => h?.close())

describe('Swagger UI', { timeout: BROWSER_TEST_MS }, () => {
  it('renders the document, and Authorize sends the token on an operation that needs it', async () => {
    const login = await h.t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'map.analyst', password: PASSWORD } })
    const token: string = login.json().token
    const w = await openPage(h)
    const page = w.page
    await page.goto(h.origin + '/docs')
    await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 })
    // Swagger UI draws only the operations near the viewport: scroll down until /api/auth/me is
    // drawn (it was within the first screen until the jobs routes came before it under 'system')
    const mePath = page.locator('.opblock-summary-path[data-path="/api/auth/me"]')
    const drawMe = async () => {
      await page.evaluate(() => window.scrollTo(0, 0))
      for (let y = -1; !(await mePath.count());) {
        const now = await page.evaluate(() => (window.scrollBy(0, 200), window.scrollY))
        expect(now, '/api/auth/me drawn before the end of the page').not.toBe(y)
        y = now
        await page.waitForTimeout(50)
      }
      await mePath.scrollIntoViewIfNeeded()
    }
    await drawMe()
    // an operation that needs a login shows the lock of the bearer scheme
    const me = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/api/auth/me"]') })
    await expect(me.locator('.authorization__btn').count()).resolves.toBe(1)

    await page.click('.auth-wrapper .authorize')
    await page.fill('.auth-container input[type=text], .auth-container input[type=password]', token)
    await page.click('.auth-container .auth-btn-wrapper .authorize')
    await page.click('.dialog-ux .close-modal')
    await drawMe()

    await me.locator('.opblock-summary').click()
    await me.locator('.try-out__btn').click()
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/auth/me'))
    await me.locator('.execute').click()
    expect((await sent).headers().authorization).toBe(`Bearer ${token}`)
    await expect(me.locator('.live-responses-table .response .response-col_status').first().textContent({ timeout: 10_000 })).resolves.toMatch(/^\s*200/)
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-authorized.png') })
    expect(w.outside).toEqual([])
    await w.context.close()
  })
})
