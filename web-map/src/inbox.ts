/** The inspector's inbox (巡查收件箱, DOMAIN.md "Dynamic monitoring"): my alerts, due soon, overdue; one alert with its
 * change polygon and parcel drawn on the map, the before/after image dates, the reason, every
 * detection and the history; the workflow buttons the status allows; and the finding form (notes,
 * visit date, position, start date, photos) sized for a phone. Analysts and admins see every open
 * alert of their counties. The panel builds its own button and container, so that the page and
 * main.ts need only one line each to host it. */
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl'
import * as api from './api'
import { CHANGE_COLOUR } from './layers'
import { ALERT_STATUS, ALERT_TYPE } from '../../server/labels/codes'
import { actorLabel, alertReasonText, beijingTime, chinese, date, escapeHtml, label, m2, num, SEVERITY_NAMES } from './format'

// ---- calls (the alert API: /api/alerts) -------------------------------------------------------

export interface AlertItem {
  id: number
  type: string
  severity: 'high' | 'medium' | 'low'
  status: string
  version: number
  label: string
  parcel_code: string | null
  approval_no: string | null
  change_code: string | null
  period: string | null
  image_before: string | null
  image_after: string | null
  overlap_m2: number | null
  due_on: string | null
  overdue: boolean
  days_overdue: number | null
  assignee: string | null
  assignee_name: string | null
  point: [number, number] | null
}

type Geometry = GeoJSON.Geometry

export interface AlertDetail extends Omit<AlertItem, 'assignee' | 'assignee_name' | 'parcel_code' | 'approval_no' | 'change_code' | 'period' | 'image_before' | 'image_after' | 'point'> {
  overlap_share: number | null
  assignee: { username: string; display_name: string } | null
  change: { code: string; period: string; change_type: string; image_before: string; image_after: string; area_m2: number; geometry: Geometry } | null
  detections: { code: string; period: string; image_before: string; image_after: string }[]
  parcel: { code: string; stage: string; started_on: string | null; area_mu: number; geometry: Geometry } | null
  batch: { approval_no: string; approved_on: string } | null
  contract: { contract_no: string; agreed_start_on: string | null } | null
  reason: { label?: string; measured?: Record<string, unknown> | null; thresholds?: { key?: string; value?: unknown }[] | null } | null
  finding: Record<string, unknown> | null
  photos: { id: number; url: string; media_type: string; file_name: string | null }[] | null
  history: { at: string; actor: string; actor_name: string | null; action: string; from: string | null; to: string | null; note: string | null }[]
  ledger_id: number | null
}

async function call<T>(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<{ data: T; etag: string | null }> {
  const { data, headers } = await api.request<T>(url, init)
  return { data, etag: headers.get('etag') }
}

export interface AlertMachine { actions: { action: string; label: string; from: string[]; to: string; by: string }[] }

export interface Assignee { username: string; display_name: string; city_wide: boolean; open_alerts: number }

export const alertsApi = {
  list: (query: string) => call<{ numberMatched: number; items: AlertItem[] }>(`/api/alerts?${query}`).then((r) => r.data),
  get: (id: number) => call<AlertDetail>(`/api/alerts/${id}`),
  /** Whom a supervisor may assign the alert to (GET /api/alerts/:id/assignees). */
  assignees: (id: number) => call<{ assignee: string | null; inspectors: Assignee[] }>(`/api/alerts/${id}/assignees`).then((r) => r.data),
  step: (id: number, etag: string, body: Record<string, unknown>) =>
    call<AlertDetail>(`/api/alerts/${id}`, { method: 'PATCH', body, headers: { 'if-match': etag } }),
  photo: (id: number, file: File) => {
    const form = new FormData()
    form.append('photo', file, file.name)
    return call<{ id: number; url: string }>(`/api/alerts/${id}/photos`, { method: 'POST', body: form })
  },
  /** The alert state machine as the server publishes it: each step, the statuses it may be taken from. */
  transitions: () => call<AlertMachine>('/api/alerts/transitions').then((r) => r.data),
  /** A photo as an object URL: an <img> cannot send the bearer token itself. */
  async photoUrl(url: string): Promise<string> {
    return URL.createObjectURL(await api.blob(url))
  },
}

// ---- words ------------------------------------------------------------------------------------

export const TYPE_NAMES: Readonly<Record<string, string>> = ALERT_TYPE
export const STATUS_NAMES: Readonly<Record<string, string>> = ALERT_STATUS
const SEVERITY: Readonly<Record<string, string>> = SEVERITY_NAMES
const WORKERS: readonly api.Role[] = ['admin', 'analyst', 'inspector']
const SUPERVISORS: readonly api.Role[] = ['admin', 'analyst']
/** Types whose finding can carry the actual start date (a confirmed start is recorded on the parcel). */
const START_TYPES = ['construction_on_idle', 'no_change_after_start_date']

const zh = chinese

type Tab = 'mine' | 'scope' | 'soon' | 'overdue'
const TABS: { id: Tab; label: string }[] = [{ id: 'mine', label: '我的预警' }, { id: 'soon', label: '即将到期' }, { id: 'overdue', label: '已逾期' }]

function today(): string {
  const d = new Date()
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 10)
}

// ---- the panel --------------------------------------------------------------------------------

const FOCUS = 'inbox-focus'

export interface InboxHooks {
  /** Opens a parcel's card (一宗一卡). */
  openParcel(code: string): void
  /** An alert changed: the map's alert and parcel tiles are stale. */
  changed(): void
}

export class InboxPanel {
  readonly root: HTMLElement
  readonly button: HTMLButtonElement
  private user: api.User | null = null
  private tab: Tab = 'mine'
  private current: AlertDetail | null = null
  /** The alert state machine, asked for once (GET /api/alerts/transitions). */
  private machine: AlertMachine | null = null
  private etag: string | null = null
  private objectUrls: string[] = []

  constructor(private map: MapLibreMap, private hooks: InboxHooks) {
    injectStyle()
    this.button = document.createElement('button')
    this.button.type = 'button'
    this.button.id = 'open-inbox'
    this.button.textContent = '巡查收件箱'
    this.button.hidden = true
    const header = document.querySelector('header')!
    header.insertBefore(this.button, document.getElementById('login'))
    this.root = document.createElement('aside')
    this.root.id = 'inbox-panel'
    this.root.className = 'panel inbox'
    this.root.hidden = true
    this.root.setAttribute('aria-label', '巡查收件箱')
    document.querySelector('main')!.appendChild(this.root)
    this.button.onclick = () => (this.root.hidden ? void this.open() : this.close())
  }

  /** Shows the inbox button to the roles that work alerts. */
  render(user: api.User | null): void {
    this.user = user
    const may = !!user && WORKERS.includes(user.role)
    this.button.hidden = !may
    if (!may) this.close()
  }

  async open(tab: Tab = this.tab): Promise<void> {
    this.tab = tab
    this.root.hidden = false
    await this.showList()
  }

  close(): void {
    this.root.hidden = true
    this.current = null
    this.clearFocus()
    this.dropUrls()
  }

  private get supervisor(): boolean {
    return !!this.user && SUPERVISORS.includes(this.user.role)
  }

  private query(tab: Tab, limit = 200): string {
    const q = new URLSearchParams({ limit: String(limit) })
    // 我的预警 is the alerts assigned to the user, a supervisor's too; a supervisor (admin, analyst)
    // oversees the rest in 全市预警 / 辖区预警 and sees the due-soon and overdue of the whole scope
    if (tab === 'mine' || !this.supervisor) q.set('assignee', 'me')
    if (tab === 'overdue') q.set('overdue', 'true')
    else q.set('open', 'true')
    if (tab === 'soon') q.set('due_soon', 'true')
    return q.toString()
  }

  /** The tabs this user has: a supervisor's oversight list beside their own. */
  private get tabs(): { id: Tab; label: string }[] {
    if (!this.supervisor) return TABS
    return [TABS[0]!, { id: 'scope', label: this.user?.county_scope ? '辖区预警' : '全市预警' }, ...TABS.slice(1)]
  }

  private async showList(): Promise<void> {
    this.current = null
    this.clearFocus()
    this.dropUrls()
    this.root.innerHTML = `<div class="panel-head"><h2>巡查收件箱</h2><button type="button" class="close" aria-label="关闭">×</button></div>
      <nav class="inbox-tabs" role="tablist">${this.tabs.map((t) =>
        `<button type="button" role="tab" data-tab="${t.id}" aria-selected="${t.id === this.tab}">${t.label} <span class="count" data-count="${t.id}">…</span></button>`).join('')}</nav>
      <ul class="inbox-list" data-testid="inbox-list"><li class="muted">加载中…</li></ul>
      <p class="error" role="alert"></p>`
    this.root.querySelector<HTMLButtonElement>('.close')!.onclick = () => this.close()
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('[data-tab]')) b.onclick = () => void this.open(b.dataset.tab as Tab)
    try {
      const [page, ...counts] = await Promise.all([
        alertsApi.list(this.query(this.tab)),
        ...this.tabs.map((t) => alertsApi.list(this.query(t.id, 1))),
      ])
      this.tabs.forEach((t, i) => { this.root.querySelector(`[data-count=${t.id}]`)!.textContent = String(counts[i]!.numberMatched) })
      const list = this.root.querySelector('.inbox-list')!
      list.innerHTML = page.items.length === 0 ? '<li class="muted">没有预警</li>' : page.items.map((a) => `
        <li><button type="button" class="inbox-item item-${a.severity}${a.overdue ? ' overdue' : ''}" data-alert="${a.id}">
          <span class="title">${escapeHtml(TYPE_NAMES[a.type] ?? a.type)}<span class="sev sev-${a.severity}">${SEVERITY[a.severity] ?? ''}</span></span>
          <span class="where">${escapeHtml(a.parcel_code ? `宗地 ${a.parcel_code}` : a.approval_no ? `批次 ${a.approval_no}` : a.change_code ? `图斑 ${a.change_code}` : '')}</span>
          <span class="when">${escapeHtml(STATUS_NAMES[a.status] ?? a.status)} · ${a.overdue
            ? `<b>逾期 ${a.days_overdue} 天</b>` : `期限 ${date(a.due_on)}`}${a.image_after ? ` · 后时相 ${date(a.image_after)}` : ''}</span>
        </button></li>`).join('')
      for (const b of list.querySelectorAll<HTMLButtonElement>('[data-alert]')) b.onclick = () => void this.openAlert(Number(b.dataset.alert))
    } catch (e) {
      this.error(e)
    }
  }

  async openAlert(id: number): Promise<void> {
    try {
      const { data, etag } = await alertsApi.get(id)
      this.machine ??= await alertsApi.transitions()
      this.current = data
      this.etag = etag
      this.showAlert()
    } catch (e) {
      this.error(e)
    }
  }

  private showAlert(): void {
    const a = this.current!
    this.dropUrls()
    const mine = a.assignee?.username === this.user?.username
    const mayAct = this.supervisor || mine
    const c = a.change
    const rows: [string, string][] = [
      ['状态', `${escapeHtml(STATUS_NAMES[a.status] ?? a.status)}${a.assignee ? `（${escapeHtml(a.assignee.display_name)}）` : ''}`],
      ['办结期限', `${date(a.due_on)}${a.overdue ? ` <b class="error">逾期 ${a.days_overdue} 天</b>` : ''}`],
    ]
    if (c) {
      rows.push(['变化图斑', `${escapeHtml(c.code)}（${escapeHtml(c.period)}，${escapeHtml(label('changeType', c.change_type))}）`])
      rows.push(['前时相 → 后时相', `<span data-testid="image-dates">${date(c.image_before)} → ${date(c.image_after)}</span>`])
      rows.push(['图斑面积', m2(c.area_m2)])
    }
    if (a.overlap_m2 !== null) rows.push(['重叠面积', `${m2(a.overlap_m2)}（占图斑 ${num((a.overlap_share ?? 0) * 100, 1)}%）`])
    if (a.parcel) {
      rows.push(['宗地', `<button type="button" class="link" data-open-parcel="${escapeHtml(a.parcel.code)}">${escapeHtml(a.parcel.code)}</button>
        · ${a.parcel.started_on ? `动工 ${date(a.parcel.started_on)}` : '未动工'}`])
    }
    if (a.batch) rows.push(['批次', `${escapeHtml(a.batch.approval_no)}（${date(a.batch.approved_on)}）`])
    if (a.contract) rows.push(['约定动工日期', date(a.contract.agreed_start_on)])
    const detections = a.detections.length > 1
      ? `<h3>历次监测（${a.detections.length}）</h3><ol class="timeline">${a.detections.map((d) =>
        `<li>${escapeHtml(d.period)} ${escapeHtml(d.code)}：${date(d.image_before)} → ${date(d.image_after)}</li>`).join('')}</ol>` : ''
    const finding = a.finding ? `<h3>核查记录</h3><p>${escapeHtml(a.finding.notes)}</p>
      <p class="muted">核查 ${date(a.finding.visited_on)}${a.finding.started_on ? ` · 动工 ${date(a.finding.started_on)}` : ''} · ${escapeHtml(a.finding.recorded_by === a.assignee?.username ? a.assignee?.display_name : a.finding.recorded_by)}</p>` : ''
    this.root.innerHTML = `<div class="panel-head"><button type="button" class="back">‹ 返回</button><button type="button" class="close" aria-label="关闭">×</button></div>
      <h2 data-testid="alert-title">${escapeHtml(TYPE_NAMES[a.type] ?? a.type)} <span class="sev sev-${a.severity}">${SEVERITY[a.severity] ?? ''}</span></h2>
      <p class="muted">${escapeHtml(a.label)}</p>
      <table class="card">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
      ${a.reason ? `<p class="muted small" data-testid="alert-reason">${escapeHtml(alertReasonText(a.type, a.reason))}</p>` : ''}
      ${detections}${finding}
      <div class="photos" data-testid="photos"></div>
      ${this.supervisor && this.may('assign', a.status) ? `<form class="assign" data-testid="assign-form">
        <label>分派给<select name="assignee" required><option value="">载入巡查员…</option></select></label>
        <button type="submit">${a.assignee ? '改派' : '分派'}</button></form>` : ''}
      <div class="inbox-actions">${this.actions(a, mayAct)}</div>
      <p class="error" role="alert" data-testid="inbox-error"></p>
      <details><summary>处理记录</summary><ol class="timeline">${a.history.map((h) =>
        `<li><time>${escapeHtml(beijingTime(h.at))}</time> ${escapeHtml(actorLabel(h.actor, h.actor_name))}：${escapeHtml(h.to && h.to !== h.from ? `${h.from ? `${label('alertStatus', h.from)} → ` : ''}${label('alertStatus', h.to)}` : label('fileAction', h.action))}${h.note ? `（${escapeHtml(h.note)}）` : ''}</li>`).join('')}</ol></details>`
    this.root.querySelector<HTMLButtonElement>('.back')!.onclick = () => void this.showList()
    this.root.querySelector<HTMLButtonElement>('.close')!.onclick = () => this.close()
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('[data-open-parcel]')) b.onclick = () => {
      // on a phone the card takes the screen: the inbox steps aside
      if (window.matchMedia('(max-width: 700px)').matches) this.close()
      this.hooks.openParcel(b.dataset.openParcel!)
    }
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('[data-step]')) b.onclick = () => void this.step(b.dataset.step!)
    this.wireFinding(a)
    void this.wireAssign(a)
    void this.showPhotos(a)
    this.focus(a)
  }

  /** Supervisors (分析员, 管理员) assign or re-assign: the inspectors of the alert's county (then the
   * city-wide ones), each with the open alerts they already carry, so the work can be spread. */
  private async wireAssign(a: AlertDetail): Promise<void> {
    const form = this.root.querySelector<HTMLFormElement>('form.assign')
    if (!form) return
    const select = form.querySelector<HTMLSelectElement>('select')!
    form.onsubmit = (ev) => {
      ev.preventDefault()
      if (select.value) void this.step('assign', { assignee: select.value })
    }
    try {
      const { inspectors, assignee } = await alertsApi.assignees(a.id)
      if (this.current?.id !== a.id) return
      select.innerHTML = inspectors.length
        ? `<option value="">选择巡查员</option>${inspectors.map((i) =>
          `<option value="${escapeHtml(i.username)}"${i.username === assignee ? ' selected' : ''}>${escapeHtml(i.display_name)}${i.city_wide ? '（全市）' : ''} · 在办 ${i.open_alerts}</option>`).join('')}`
        : '<option value="">本区县没有在岗巡查员</option>'
      // nobody to assign to: the button says why instead of failing on a click
      const submit = form.querySelector<HTMLButtonElement>('button[type=submit]')!
      submit.disabled = select.disabled = inspectors.length === 0
      if (!inspectors.length) {
        submit.title = '本区县没有在岗巡查员，无法分派'
        form.insertAdjacentHTML('beforeend', '<p class="muted small" data-testid="assign-reason">本区县没有在岗巡查员，无法分派；请安全管理员新建或启用本区县的巡查员账户。</p>')
      }
    } catch (e) {
      this.error(e)
    }
  }

  private actions(a: AlertDetail, mayAct: boolean): string {
    const btn = (step: string, label: string, cls = '') => `<button type="button" data-step="${step}" class="${cls}">${label}</button>`
    if (this.may('take', a.status) && this.user?.role === 'inspector') return btn('take', this.stepLabel('take'))
    if (!mayAct) return '<p class="muted">已分派给其他巡查员</p>'
    if (this.may('start_field', a.status)) return btn('start_field', this.stepLabel('start_field'), 'primary')
    if (this.may('confirm', a.status) || this.may('false_positive', a.status)) {
      const startField = START_TYPES.includes(a.type)
        ? `<label>实际动工日期<input type="date" name="started_on" max="${today()}"></label>` : ''
      return `<form class="finding" data-testid="finding-form">
        <label>核查情况<textarea name="notes" rows="3" required placeholder="现场情况、建设内容、当事人说明…"></textarea></label>
        <label>核查日期<input type="date" name="visited_on" required value="${today()}" max="${today()}"></label>
        <fieldset><legend>核查位置（经纬度）</legend>
          <div class="pos"><input name="lon" inputmode="decimal" placeholder="经度" aria-label="经度"><input name="lat" inputmode="decimal" placeholder="纬度" aria-label="纬度"></div>
          <div class="pos"><button type="button" data-locate>定位</button><button type="button" data-centre>取地图中心</button></div>
        </fieldset>
        ${startField}
        <label>现场照片（JPEG/PNG）<input type="file" name="photo" accept="image/jpeg,image/png" capture="environment" multiple></label>
        <div class="pos">${this.may('confirm', a.status) ? `<button type="submit" name="outcome" value="confirm" class="primary">${this.stepLabel('confirm')}</button>` : ''}
          ${this.may('false_positive', a.status) ? `<button type="submit" name="outcome" value="false_positive">${this.stepLabel('false_positive')}</button>` : ''}</div>
      </form>`
    }
    if (this.may('close', a.status)) return btn('close', this.stepLabel('close'), 'primary')
    return ''
  }

  /** May the step be taken from this status (the published state machine, GET /api/alerts/transitions)? */
  private may(action: string, status: string): boolean {
    return this.machine?.actions.find((t) => t.action === action)?.from.includes(status) ?? false
  }

  private stepLabel(action: string): string {
    return escapeHtml(this.machine?.actions.find((t) => t.action === action)?.label ?? action)
  }

  private wireFinding(a: AlertDetail): void {
    const form = this.root.querySelector<HTMLFormElement>('form.finding')
    if (!form) return
    const lon = form.querySelector<HTMLInputElement>('[name=lon]')!
    const lat = form.querySelector<HTMLInputElement>('[name=lat]')!
    form.querySelector<HTMLButtonElement>('[data-centre]')!.onclick = () => {
      const c = this.map.getCenter()
      lon.value = c.lng.toFixed(6)
      lat.value = c.lat.toFixed(6)
    }
    form.querySelector<HTMLButtonElement>('[data-locate]')!.onclick = () => {
      if (!navigator.geolocation) return this.error(new Error('此设备不能定位'))
      navigator.geolocation.getCurrentPosition(
        (p) => { lon.value = p.coords.longitude.toFixed(6); lat.value = p.coords.latitude.toFixed(6) },
        () => this.error(new Error('定位失败，请手工填写或取地图中心')), { enableHighAccuracy: true, timeout: 15_000 })
    }
    form.querySelector<HTMLInputElement>('[name=photo]')!.onchange = async (e) => {
      const input = e.target as HTMLInputElement
      for (const f of Array.from(input.files ?? [])) {
        try {
          await alertsApi.photo(a.id, f)
        } catch (err) {
          this.error(err)
        }
      }
      input.value = ''
      // only the photos are redrawn: what the inspector has typed stays
      const { data } = await alertsApi.get(a.id)
      if (this.current?.id === a.id) this.current.photos = data.photos
      await this.showPhotos(data)
    }
    form.onsubmit = async (e) => {
      e.preventDefault()
      const outcome = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'confirm'
      const data = new FormData(form)
      const finding: Record<string, unknown> = { notes: String(data.get('notes') ?? '').trim(), visited_on: String(data.get('visited_on')) }
      if (lon.value && lat.value) finding.position = { lon: Number(lon.value), lat: Number(lat.value) }
      const started = String(data.get('started_on') ?? '')
      if (started) finding.started_on = started
      if (!finding.notes) return this.error(new Error('请填写核查情况'))
      await this.step(outcome, { finding })
    }
  }

  private async step(action: string, extra: Record<string, unknown> = {}): Promise<void> {
    const a = this.current
    if (!a || !this.etag) return
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('button')) b.disabled = true
    try {
      const { data, etag } = await alertsApi.step(a.id, this.etag, { action, ...extra })
      this.current = data
      this.etag = etag
      this.hooks.changed()
      this.showAlert()
    } catch (e) {
      // someone acted first (409): show the alert as it now is, with the message
      if (e instanceof api.ApiError && e.status === 409) await this.reload()
      this.error(e)
    } finally {
      for (const b of this.root.querySelectorAll<HTMLButtonElement>('button')) b.disabled = false
    }
  }

  private async reload(): Promise<void> {
    if (!this.current) return
    const { data, etag } = await alertsApi.get(this.current.id)
    this.current = data
    this.etag = etag
    this.showAlert()
  }

  private async showPhotos(a: AlertDetail): Promise<void> {
    const box = this.root.querySelector<HTMLElement>('.photos')
    if (!box || !a.photos?.length) return
    this.dropUrls()
    box.innerHTML = `<h3>现场照片（${a.photos.length}）</h3>`
    for (const p of a.photos) {
      try {
        const url = await alertsApi.photoUrl(p.url)
        this.objectUrls.push(url)
        const img = document.createElement('img')
        img.src = url
        img.alt = p.file_name ?? `照片 ${p.id}`
        box.appendChild(img)
      } catch (e) {
        this.error(e)
      }
    }
  }

  /** The change polygon (green, as the map's change layer) and the parcel (blue) of the alert, and the map fitted to them. */
  private focus(a: AlertDetail): void {
    const features: GeoJSON.Feature[] = []
    if (a.parcel) features.push({ type: 'Feature', geometry: a.parcel.geometry, properties: { role: 'parcel' } })
    if (a.change) features.push({ type: 'Feature', geometry: a.change.geometry, properties: { role: 'change' } })
    const data: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features }
    const source = this.map.getSource(FOCUS) as GeoJSONSource | undefined
    if (source) source.setData(data)
    else if (this.map.isStyleLoaded()) {
      this.map.addSource(FOCUS, { type: 'geojson', data })
      this.map.addLayer({ id: `${FOCUS}-fill`, type: 'fill', source: FOCUS, paint: {
        'fill-color': ['match', ['get', 'role'], 'change', CHANGE_COLOUR, '#1565c0'], 'fill-opacity': 0.25 } })
      this.map.addLayer({ id: `${FOCUS}-line`, type: 'line', source: FOCUS, paint: {
        'line-color': ['match', ['get', 'role'], 'change', CHANGE_COLOUR, '#0d47a1'], 'line-width': 3 } })
    }
    const coords: number[][] = []
    const walk = (x: unknown): void => {
      if (Array.isArray(x) && typeof x[0] === 'number') coords.push(x as number[])
      else if (Array.isArray(x)) x.forEach(walk)
    }
    for (const f of features) walk((f.geometry as { coordinates: unknown }).coordinates)
    if (!coords.length) return
    const xs = coords.map((c) => c[0]!)
    const ys = coords.map((c) => c[1]!)
    const narrow = window.matchMedia('(max-width: 700px)').matches
    this.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], {
      padding: narrow ? { top: 30, left: 30, right: 30, bottom: Math.round(window.innerHeight * 0.6) + 20 } : 60,
      maxZoom: 18, duration: 0,
    })
  }

  private clearFocus(): void {
    const source = this.map.getSource(FOCUS) as GeoJSONSource | undefined
    source?.setData({ type: 'FeatureCollection', features: [] })
  }

  private dropUrls(): void {
    for (const u of this.objectUrls) URL.revokeObjectURL(u)
    this.objectUrls = []
  }

  private error(e: unknown): void {
    const el = this.root.querySelector<HTMLElement>('[role=alert]')
    if (el) el.textContent = e instanceof api.ApiError ? zh(e.message) : e instanceof Error ? e.message : String(e)
  }
}

/** The inbox's own styles: a side panel on a desk, the lower 60 % of the screen on a phone, with
 * touch-sized controls. */
function injectStyle(): void {
  if (document.getElementById('inbox-style')) return
  const style = document.createElement('style')
  style.id = 'inbox-style'
  style.textContent = `
#open-inbox { white-space: nowrap; }
.panel.inbox { width: 380px; }
.inbox-tabs { display: flex; gap: 4px; margin-bottom: 6px; }
.inbox-tabs button { flex: 1; padding: 6px 4px; border: 1px solid #90caf9; background: #fff; border-radius: 3px; }
.inbox-tabs button[aria-selected=true] { background: #1565c0; color: #fff; }
.inbox-list { list-style: none; padding: 0; margin: 0; }
.inbox-item { display: grid; width: 100%; text-align: left; gap: 2px; padding: 8px; margin: 0 0 6px; background: #fff;
  border: 1px solid #cfd8dc; border-left: 5px solid #ffd600; border-radius: 3px; cursor: pointer; font: inherit; }
.inbox-item.item-high { border-left-color: #d50000; } .inbox-item.item-medium { border-left-color: #ff6d00; }
.inbox-item.overdue { background: #fff3f3; }
.inbox-item .title { font-weight: bold; display: flex; justify-content: space-between; }
.inbox-item .where, .inbox-item .when { color: #546e7a; font-size: 12px; }
.sev { font-size: 11px; padding: 0 6px; border-radius: 8px; background: #ffd600; margin-left: 6px; }
.sev-high { background: #d50000; color: #fff; } .sev-medium { background: #ff6d00; color: #fff; }
.inbox .small { font-size: 12px; }
.inbox button.link { border: 0; background: none; color: #0d47a1; text-decoration: underline; padding: 0; font: inherit; cursor: pointer; }
.inbox-actions { margin: 10px 0; }
form.assign { display: flex; gap: 6px; align-items: end; margin: 10px 0; flex-wrap: wrap; }
form.assign select { min-height: 44px; max-width: 100%; }
.inbox-actions > button, form.finding button { min-height: 44px; padding: 6px 12px; font-size: 14px; }
.inbox button.primary { background: #1565c0; color: #fff; border: 0; border-radius: 3px; }
form.finding label { display: block; margin: 6px 0; }
form.finding textarea, form.finding input[type=date], form.finding input[type=file], form.finding .pos input { width: 100%; font-size: 16px; padding: 6px; }
form.finding fieldset { border: 1px solid #eceff1; padding: 4px 6px; margin: 6px 0; }
form.finding .pos { display: flex; gap: 6px; margin: 4px 0; }
form.finding .pos > * { flex: 1; }
.photos img { width: 96px; height: 96px; object-fit: cover; margin: 0 6px 6px 0; border: 1px solid #cfd8dc; }
@media (max-width: 700px) {
  #open-inbox { position: fixed; right: 10px; bottom: 56px; z-index: 30; min-height: 44px; padding: 10px 14px; border-radius: 22px;
    background: #1565c0; color: #fff; border: 0; box-shadow: 0 2px 8px rgba(0,0,0,.35); font-size: 15px; }
  .panel.inbox { position: fixed; left: 0; right: 0; bottom: 0; width: auto; height: 60vh; z-index: 25;
    border-left: 0; border-top: 2px solid #1565c0; box-shadow: 0 -2px 10px rgba(0,0,0,.25); }
  /* while the inbox is open the map shows the alert: the sidebar and the floating button step aside */
  body:has(#inbox-panel:not([hidden])) #sidebar, body:has(#inbox-panel:not([hidden])) #open-inbox { display: none; }
}`
  document.head.appendChild(style)
}
