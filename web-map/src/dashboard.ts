/** The per-mu dashboard (亩均效益): tax per mu of the 18 clusters against their targets (§一(二)3),
 * the trend of the city and of a chosen cluster against 18 万元, the A/B/C/D rating distribution,
 * the "两率" KPIs (§一(二)4), the standard-land pilot share and the checks due (annex 2), and — for
 * the roles that see enterprise figures — the parcels coloured by tax per mu on the map. The charts
 * are ECharts through ./charts, imported dynamically so that ECharts loads with the first opening of
 * the panel and not with the map. What a role may not see never reaches the browser: the server
 * withholds it. */
import type { ExpressionSpecification, Map as MapLibreMap } from 'maplibre-gl'
import * as api from './api'
import { escapeHtml, num } from './format'
import { label } from '../../server/labels/codes'

const getJson = api.getJson

export interface YearFigures {
  year: number
  parcels: number
  enterprises: number
  area_mu: number | null
  tax_per_mu: number | null
  output_per_mu: number | null
  target: number
  gap: number | null
  attainment: number | null
  above_target: boolean | null
  rank_per_mu: number | null
  suppressed: boolean
}
export interface PerMuUnit extends YearFigures { code: string; name: string; short_name?: string; trend: YearFigures[] }
export interface PerMuSummary { year: number; from: number; years: number[]; city_target: number; city: PerMuUnit; counties: PerMuUnit[]; clusters: PerMuUnit[] }

interface RatingCounts { year: number; counts: Record<'A' | 'B' | 'C' | 'D', number>; stored_counts: Record<'A' | 'B' | 'C' | 'D', number> }
interface KpiYear { year: number; intensity_decline: number | null; decline_met: boolean | null; retrofit_share: number | null; retrofit_met: boolean | null; above_scale: number }
interface KpiUnit { level: string; code: string; name: string; years: KpiYear[] }
interface ShareYear { year: number; share_area: number | null; target: number | null; met: boolean | null; sold: number }
interface StandardItem { contract_no: string; parcel_code: string; cluster_code: string | null; status: string; next_due: string | null; overdue: boolean }
interface PerMuParcel { id: number; code: string; tax_per_mu: number; target: number; attainment: number }

/** "已发布" is the year's evaluation as stored (发布年度评价, POST /api/permu/ratings/:year), which
 * 低效 type 5 reads; the grades above are the live rating under the county rules. */
function publishedText(r: RatingCounts): string {
  const n = Object.values(r.stored_counts ?? {}).reduce((a, b) => a + b, 0)
  const rated = Object.values(r.counts).reduce((a, b) => a + b, 0)
  return n === 0 ? `；${r.year}年度评价尚未发布（共评 ${rated} 家）` : `；${r.year}年度评价已发布 ${n} 家（共评 ${rated} 家）`
}

const q = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()

export const dashboardApi = {
  summary: (year: number, from: number) => getJson<PerMuSummary>(`/api/permu/summary?${q({ year, from })}`),
  ratings: (year: number) => getJson<RatingCounts>(`/api/permu/ratings?${q({ year })}`),
  kpis: (year: number, from: number) => getJson<{ items: KpiUnit[] }>(`/api/permu/kpis?${q({ year, from })}`),
  shares: (year: number, from: number) => getJson<{ city: { years: ShareYear[] } }>(`/api/standard-land/shares?${q({ year, from })}`),
  dueChecks: () => getJson<{ total: number; overdue: number; items: StandardItem[] }>(
    `/api/standard-land?${q({ limit: 12 })}&status=awaiting_completion_check&status=completion_accepted&status=rectifying&status=termination_recommended`),
  parcels: (year: number) => getJson<{ items: PerMuParcel[] }>(`/api/permu/parcels?${q({ year })}`),
}

// ---- charts (drawn by ./charts, loaded with the panel's first render) ------------------------------

type Charts = typeof import('./charts')

const GRADES = ['A', 'B', 'C', 'D'] as const
const GRADE_COLOURS: Record<string, string> = { A: '#2e7d32', B: '#7cb342', C: '#f9a825', D: '#c62828' }
const CITY_COLOUR = '#0d47a1'
const CLUSTER_COLOUR = '#e65100'

// ---- the parcels coloured by tax per mu ----------------------------------------------------------------

/** Attainment of the target (tax per mu / target) → colour; parcels without figures stay grey. */
export const PERMU_COLOUR: ExpressionSpecification = [
  'case', ['<', ['coalesce', ['feature-state', 'permu'], -1], 0], '#cfd8dc',
  ['interpolate', ['linear'], ['feature-state', 'permu'], 0, '#b71c1c', 0.5, '#ef6c00', 1, '#fdd835', 1.5, '#7cb342', 2, '#1b5e20'],
]
const PERMU_LEGEND = [['< 50%', '#b71c1c'], ['50–100%', '#ef6c00'], ['≈ 100%', '#fdd835'], ['150%', '#7cb342'], ['≥ 200%', '#1b5e20'], ['无数据', '#cfd8dc']]


const zh = (s: unknown) => String(s ?? '').split(' / ')[0]!
const pct = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '—' : `${num(v * 100, digits)}%`)

export class DashboardPanel {
  private user: api.User | null = null
  private summary: PerMuSummary | null = null
  private year: number | null = null
  private cluster: string | null = null
  private coloured: { year: number; ids: number[]; paint: unknown } | null = null
  private charts: Charts | null = null

  constructor(
    private root: HTMLElement,
    private button: HTMLButtonElement,
    private map: MapLibreMap,
    private sensitiveRoles: () => api.Role[],
  ) {
    this.button.onclick = () => void (this.root.hidden ? this.open() : this.close())
    // the charts fill the panel and want room for 18 labelled bars; the other panels keep their 380
    this.root.style.width = '560px'
  }

  /** The map calls this when someone signs in or out: the dashboard needs a login. */
  setUser(user: api.User | null): void {
    if (user?.username !== this.user?.username) this.close()
    this.user = user
    this.button.hidden = !user
  }

  private mayShowSensitive(): boolean {
    return !!this.user && this.sensitiveRoles().includes(this.user.role)
  }

  close(): void {
    this.uncolour()
    this.charts?.disposeCharts(this.root)
    this.root.hidden = true
    this.root.innerHTML = ''
  }

  async open(): Promise<void> {
    this.root.hidden = false
    this.charts?.disposeCharts(this.root)
    this.root.innerHTML = `<div class="panel-head"><h2>亩均效益</h2><button type="button" class="close" aria-label="关闭">×</button></div><p class="muted">正在载入…</p>`
    this.root.querySelector<HTMLButtonElement>('.close')!.onclick = () => this.close()
    try {
      const now = new Date(Date.now() + 8 * 3600_000).getUTCFullYear()
      const summary = await dashboardApi.summary(now - 1, now - 7)
      // the latest year with figures (a year's tax is known once it has ended and been reported)
      const withData = summary.city.trend.filter((y) => y.tax_per_mu !== null).map((y) => y.year)
      this.summary = summary
      this.year = withData.at(-1) ?? summary.year
      await this.render()
    } catch (e) {
      const p = this.root.querySelector('.muted')
      if (p) p.textContent = e instanceof api.ApiError ? zh(e.message) : '载入失败'
    }
  }

  private yearOf(u: PerMuUnit): YearFigures | undefined {
    return u.trend.find((y) => y.year === this.year)
  }

  /** The years with figures for the city: the trend's axis and the year selector's choices. */
  private years(): number[] {
    return this.summary!.city.trend.filter((y) => y.tax_per_mu !== null).map((y) => y.year)
  }

  private async render(): Promise<void> {
    const s = this.summary!
    const year = this.year!
    const years = this.years()
    const clusters = s.clusters.map((c) => ({ c, y: this.yearOf(c) }))
      .sort((a, b) => (b.y?.attainment ?? -1) - (a.y?.attainment ?? -1))
    const above = clusters.filter((x) => x.y?.above_target).length
    const city = this.yearOf(s.city)
    const sensitive = this.mayShowSensitive()
    // what the charts cover: the city, or the counties of the user's scope
    const scope = this.scopeName(s)
    const [charts, ratings, kpis, shares, due] = await Promise.all([
      this.charts ?? import('./charts'),
      sensitive ? dashboardApi.ratings(year).catch(() => null) : Promise.resolve(null),
      dashboardApi.kpis(year, Math.max(year - 1, years[0] ?? year)).catch(() => null),
      dashboardApi.shares(year, Math.max(2021, year - 3)).catch(() => null),
      dashboardApi.dueChecks().catch(() => null),
    ])
    this.charts = charts
    if (this.year !== year || this.root.hidden) return

    charts.disposeCharts(this.root)
    this.root.innerHTML = `
      <div class="panel-head"><h2>亩均效益</h2>
        <label>年度 <select id="permu-year" data-testid="permu-year">${years.map((y) => `<option value="${y}"${y === year ? ' selected' : ''}>${y}</option>`).join('')}</select></label>
        <button type="button" class="close" aria-label="关闭">×</button></div>
      <p data-testid="permu-city">全市亩均税收 <b>${num(city?.tax_per_mu)}</b> 万元/亩（目标 ${num(s.city_target, 0)}，${pct(city?.attainment)}）·
        <span data-testid="permu-above">${above}</span> 个集聚区达标，<span data-testid="permu-below">${clusters.filter((x) => x.y?.above_target === false).length}</span> 个未达标</p>
      <p class="permu-scope" data-testid="permu-scope">范围：<b>${escapeHtml(scope)}</b> · ${year}年 · ${clusters.length} 个集聚区</p>
      <section><h3>${escapeHtml(scope)}各集聚区亩均税收与目标（${year}年，万元/亩）</h3>
        <div data-testid="permu-bars"></div>
        <p class="muted">绿色：达到目标；红色：未达目标；黑线：目标值。点击集聚区查看其趋势，再次点击取消。</p></section>
      <section><h3>亩均税收趋势（万元/亩，虚线：目标）</h3><div data-testid="permu-trend"></div></section>
      ${ratings ? `<section><h3>企业分类评价（${year}年）</h3><div data-testid="rating-bars"></div>
        <p class="muted" data-testid="rating-published">按县区评价规则计算${publishedText(ratings)}。</p></section>` : ''}
      ${kpis ? `<section><h3>"两率"（§一(二)4）</h3>${this.kpiTable(kpis.items, year)}</section>` : ''}
      ${shares ? `<section><h3>标准地出让比例</h3>${this.sharesLine(shares.city.years)}</section>` : ''}
      ${due ? `<section><h3>标准地待验收事项</h3>${this.dueTable(due)}</section>` : ''}
      ${sensitive ? `<section><h3>宗地着色</h3><label><input type="checkbox" id="permu-colour" data-testid="permu-colour"${this.coloured ? ' checked' : ''}> 按亩均税收达标率着色宗地（${year}年）</label>
        <ul class="legend">${PERMU_LEGEND.map(([l, c]) => `<li><span class="swatch" style="background:${c}"></span>${l}</li>`).join('')}</ul></section>` : ''}`
    this.root.querySelector<HTMLButtonElement>('.close')!.onclick = () => this.close()
    this.root.querySelector<HTMLSelectElement>('#permu-year')!.onchange = (e) => {
      this.year = Number((e.target as HTMLSelectElement).value)
      if (this.coloured) void this.colour(this.year)
      void this.render()
    }

    // §一(二)3: each cluster's tax per mu against its own target, best attainment first
    charts.targetBarChart(this.root.querySelector<HTMLElement>('[data-testid=permu-bars]')!,
      clusters.map(({ c, y }) => ({ id: c.code, label: c.short_name ?? c.name, value: y?.tax_per_mu ?? null, target: c.target })),
      {
        title: `${scope}各集聚区亩均税收与目标（${year}年）`, unit: '万元/亩',
        onClick: (bar) => {
          this.cluster = this.cluster === bar.id ? null : bar.id
          this.drawTrend()
        },
      })
    this.drawTrend()
    if (ratings) {
      charts.distributionChart(this.root.querySelector<HTMLElement>('[data-testid=rating-bars]')!,
        GRADES.map((g) => ({ name: `${g} 类`, value: ratings.counts[g] ?? 0, colour: GRADE_COLOURS[g] })),
        { title: `${scope}企业分类评价分布（${year}年）`, unit: ' 家' })
    }
    const box = this.root.querySelector<HTMLInputElement>('#permu-colour')
    if (box) box.onchange = () => void (box.checked ? this.colour(year) : this.uncolour())
  }

  /** The city's line and, when a cluster has been clicked, that cluster's beside it, each with its
   * target; redrawn alone on a click, without fetching again. */
  private drawTrend(): void {
    const s = this.summary
    const el = this.root.querySelector<HTMLElement>('[data-testid=permu-trend]')
    if (!s || !this.charts || !el) return
    const years = this.years()
    const values = (u: PerMuUnit) => years.map((yr) => u.trend.find((t) => t.year === yr)?.tax_per_mu ?? null)
    const series = [{ name: '全市', colour: CITY_COLOUR, values: values(s.city), target: s.city_target }]
    const chosen = s.clusters.find((c) => c.code === this.cluster)
    if (chosen) series.push({ name: chosen.short_name ?? chosen.name, colour: CLUSTER_COLOUR, values: values(chosen), target: chosen.target })
    this.charts.trendChart(el, years, series, { title: `亩均税收趋势：${series.map((x) => x.name).join('、')}`, unit: '万元/亩' })
  }

  /** 全市 for a city-wide user; the names of the counties of a county user's scope. */
  private scopeName(s: PerMuSummary): string {
    const scope = this.user?.county_scope
    if (!scope) return '全市'
    const names = scope.map((code) => s.counties.find((c) => c.code === code)?.name).filter((n): n is string => !!n)
    return names.length ? names.join('、') : '本县区'
  }

  private kpiTable(items: KpiUnit[], year: number): string {
    const mark = (v: boolean | null) => (v === null ? '—' : v ? '✓' : '✗')
    const rows = items.map((u) => {
      const y = u.years.find((x) => x.year === year)
      return `<tr><td>${escapeHtml(u.name)}</td><td>${pct(y?.intensity_decline)} ${mark(y?.decline_met ?? null)}</td><td>${pct(y?.retrofit_share)} ${mark(y?.retrofit_met ?? null)}</td></tr>`
    }).join('')
    return `<div class="scroll"><table class="ledger" data-testid="kpi-table"><thead><tr><th></th><th>能耗下降（≥5%）</th><th>智能化改造（≥62%）</th></tr></thead><tbody>${rows}</tbody></table></div>`
  }

  private sharesLine(years: ShareYear[]): string {
    return `<table class="ledger" data-testid="share-table"><tbody>${years.map((y) =>
      `<tr${y.met === false ? ' class="overdue"' : ''}><td>${y.year}</td><td>${pct(y.share_area, 2)}</td><td>目标 ${pct(y.target, 0)}</td><td>${y.met === null ? '无出让' : y.met ? '达标' : '未达标'}</td></tr>`).join('')}</tbody></table>`
  }

  private dueTable(due: { total: number; overdue: number; items: StandardItem[] }): string {
    return `<p>在监管中 ${due.total} 宗，<b class="error" data-testid="due-overdue">${due.overdue}</b> 宗逾期。</p>
      <div class="scroll"><table class="ledger" data-testid="due-table"><thead><tr><th>合同</th><th>状态</th><th>期限</th></tr></thead><tbody>${due.items.map((i) =>
        `<tr${i.overdue ? ' class="overdue"' : ''}><td>${escapeHtml(i.contract_no)}<br><small class="muted">${escapeHtml(i.parcel_code)}</small></td>
          <td>${escapeHtml(label('standardLandStatus', i.status))}</td><td>${escapeHtml(i.next_due ?? '—')}</td></tr>`).join('')}</tbody></table></div>`
  }

  /** Colours the parcels by their attainment of the target through feature-state (the tile layer
   * carries no tax figures; this call is for sensitive roles only). */
  private async colour(year: number): Promise<void> {
    const layer = this.map.getLayer('parcels-fill')
    if (!layer || !this.map.getSource('parcels')) return
    const { items } = await dashboardApi.parcels(year)
    this.clearStates()
    const paint = this.coloured?.paint ?? this.map.getPaintProperty('parcels-fill', 'fill-color')
    for (const p of items) {
      this.map.setFeatureState({ source: 'parcels', sourceLayer: 'parcels', id: p.id }, { permu: p.attainment })
    }
    this.map.setPaintProperty('parcels-fill', 'fill-color', PERMU_COLOUR)
    this.coloured = { year, ids: items.map((p) => p.id), paint }
  }

  private clearStates(): void {
    if (!this.coloured || !this.map.getSource('parcels')) return
    for (const id of this.coloured.ids) this.map.removeFeatureState({ source: 'parcels', sourceLayer: 'parcels', id }, 'permu')
  }

  private uncolour(): void {
    if (!this.coloured) return
    if (this.map.getLayer('parcels-fill')) {
      this.clearStates()
      this.map.setPaintProperty('parcels-fill', 'fill-color', this.coloured.paint as ExpressionSpecification)
    }
    this.coloured = null
  }
}
