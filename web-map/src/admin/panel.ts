/** 管理 (the administrator's screens): county rules, enterprises, publishing with a
 * preview, and the jobs, one tab at a time in a side panel (a sheet on a phone). Shown to the
 * `admin` role only; the server refuses these routes to every other role (separated duties: the
 * security officer manages users, the audit officer reads the trail, account.ts). The panel builds
 * its own button and container, so that the page and main.ts host it in one line each. */
import * as api from '../api'
import { escapeHtml } from '../format'
import { adminContext, problem, type AdminContext } from './common'
import { renderRules } from './rules'
import { renderEnterprises } from './enterprises'
import { renderPublish } from './publish'
import { renderJobs } from './jobs'
import './admin.css'

type Tab = 'rules' | 'enterprises' | 'publish' | 'jobs'
const TABS: { id: Tab; label: string }[] = [
  { id: 'rules', label: '县区规则' }, { id: 'enterprises', label: '企业' }, { id: 'publish', label: '公示发布' }, { id: 'jobs', label: '任务' },
]

export class AdminPanel {
  readonly root: HTMLElement
  readonly button: HTMLButtonElement
  private user: api.User | null = null
  private tab: Tab = 'rules'

  constructor(private changed: () => void) {
    this.button = document.createElement('button')
    this.button.type = 'button'
    this.button.id = 'open-admin'
    this.button.textContent = '管理'
    this.button.hidden = true
    document.querySelector('header')!.insertBefore(this.button, document.getElementById('login'))
    this.root = document.createElement('aside')
    this.root.id = 'admin-panel'
    this.root.className = 'panel admin'
    this.root.hidden = true
    this.root.setAttribute('aria-label', '管理')
    document.querySelector('main')!.appendChild(this.root)
    this.button.onclick = () => (this.root.hidden ? void this.open() : this.close())
  }

  /** The button for the administrator only (the land administration's role). */
  render(user: api.User | null): void {
    this.user = user
    this.button.hidden = user?.role !== 'admin'
    if (this.button.hidden) this.close()
  }

  close(): void {
    this.root.hidden = true
    this.root.innerHTML = ''
  }

  async open(tab: Tab = this.tab): Promise<void> {
    if (this.user?.role !== 'admin') return
    this.tab = tab
    this.root.hidden = false
    this.root.innerHTML = `<div class="panel-head"><h2>管理</h2><button type="button" class="close" aria-label="关闭">×</button></div>
      <nav class="admin-tabs" role="tablist">${TABS.map((t) => `<button type="button" role="tab" data-tab="${t.id}" aria-selected="${t.id === tab}">${t.label}</button>`).join('')}</nav>
      <div class="admin-body" data-testid="admin-${tab}"><p class="muted">正在载入…</p></div>`
    this.root.querySelector<HTMLButtonElement>('.close')!.onclick = () => this.close()
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('[data-tab]')) b.onclick = () => void this.open(b.dataset.tab as Tab)
    const body = this.root.querySelector<HTMLElement>('.admin-body')!
    try {
      const ctx: AdminContext = await adminContext(this.user, this.changed)
      if (this.tab !== tab || this.root.hidden) return
      if (tab === 'rules') await renderRules(body, ctx)
      else if (tab === 'enterprises') await renderEnterprises(body, ctx)
      else if (tab === 'publish') await renderPublish(body, ctx)
      else renderJobs(body, ctx)
    } catch (e) {
      body.innerHTML = `<p class="error" role="alert">${escapeHtml(problem(e))}</p>`
    }
  }
}
