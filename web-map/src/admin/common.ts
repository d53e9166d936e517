/** What the administration screens share: the server's refusal in Chinese, today's date in
 * Luoyang (the city's day, DOMAIN.md), a button that shows its work running, and county names. */
import * as api from '../api'
import { chinese, escapeHtml } from '../format'

/** The Chinese half of a refusal, or a plain sentence when the call never reached the server. */
export function problem(e: unknown): string {
  if (e instanceof api.ApiError) return chinese(e.message)
  return '操作失败，请检查网络后重试'
}

/** Today in 北京时间 as YYYY-MM-DD: the day the server's "today" is (effective dates, publication). */
export function todayBeijing(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
}

/** Runs `work` with the button disabled and saying so, the seconds counted beside it; the button
 * comes back whatever happens. */
export async function running<T>(button: HTMLButtonElement, status: HTMLElement, work: () => Promise<T>): Promise<T> {
  const text = button.textContent
  const started = Date.now()
  button.disabled = true
  button.setAttribute('aria-busy', 'true')
  button.textContent = '正在运行…'
  status.className = 'job-status running'
  status.textContent = '正在运行，已用 0 秒'
  const tick = setInterval(() => { status.textContent = `正在运行，已用 ${Math.round((Date.now() - started) / 1000)} 秒` }, 1000)
  try {
    return await work()
  } finally {
    clearInterval(tick)
    button.disabled = false
    button.removeAttribute('aria-busy')
    button.textContent = text
  }
}

export function say(el: HTMLElement, text: string, kind: 'ok' | 'error' = 'ok'): void {
  el.className = kind === 'error' ? 'error' : 'saved'
  el.textContent = text
}

export interface AdminContext {
  user: api.User
  /** county code → name (the public county outlines) */
  counties: Map<string, string>
  countyName(code: string | null): string
  /** The analyses' results changed (a refresh, a scan): the map's tiles are stale. */
  changed(): void
}

export async function adminContext(user: api.User, changed: () => void): Promise<AdminContext> {
  const counties = await api.countyNames().catch(() => new Map<string, string>())
  return { user, counties, countyName: (code) => (code ? counties.get(code) ?? code : '全市'), changed }
}

/** The counties the user may write for: their scope, else every county. */
export function countyOptions(ctx: AdminContext, opts: { cityWide?: string } = {}): string {
  const codes = ctx.user.county_scope ?? [...ctx.counties.keys()].sort()
  const city = opts.cityWide !== undefined && !ctx.user.county_scope ? `<option value="">${escapeHtml(opts.cityWide)}</option>` : ''
  return city + codes.map((c) => `<option value="${escapeHtml(c)}">${escapeHtml(ctx.countyName(c))}</option>`).join('')
}
