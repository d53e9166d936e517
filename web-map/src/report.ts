/** The printable governance reports (§四(三) 季度通报、半年评比、年度考评; §二(三)9 增存挂钩): generate
 * one or open a stored one, read it as the county office prints it (A4 landscape, controls hidden),
 * download it as JSON, CSV or XLSX, see the parcels behind a figure, and regenerate it to compare
 * with the result as first produced. Charts are the dashboard's (./charts, ECharts). */
import * as api from './api'
import { LoginPanel } from './login'
import { INEFFICIENT_TYPE, LEFT_OUT as LEFT_OUT_NAMES, REPORT_FORMULA, REPORT_KIND, REPORT_SET } from '../../server/labels/codes'
import { beijingTime, chinese, escapeHtml, label, num } from './format'
import { ruleText } from '../../server/labels/words'

/* eslint-disable @typescript-eslint/no-explicit-any -- reports are PostGIS-built JSON */
type Json = any
type Charts = typeof import('./charts')

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const hook = { ready: false, id: null as number | null, error: null as string | null }
;(window as unknown as { onemapReport: typeof hook }).onemapReport = hook

const KIND_NAMES: Readonly<Record<string, string>> = REPORT_KIND
const INDICATORS: Record<string, string> = {
  unsupplied_yearly: '批而未供消化', old_stock: '存量盘活', idle_disposal: '闲置处置', inefficient_disposal: '低效处置',
  standard_land: '标准地比例', per_mu_tax: '亩均税收', alert_handling: '预警处置', ledger_on_time: '台账按期',
}
const LEFT_OUT: Readonly<Record<string, string>> = LEFT_OUT_NAMES
/** The six types of inefficient land (annex 3 art. 2), in their order. */
const TYPES: readonly string[] = Object.values(INEFFICIENT_TYPE)
const SETS: Readonly<Record<string, string>> = REPORT_SET

/** The name of a figure that links to parcels, as the report's tables call it. */
function figureName(path: string): string {
  const fixed: Record<string, string> = {
    'unsupplied.codes_period': '本期供地变化宗地（消化批而未供）', 'unsupplied.codes_ytd': '本年供地变化宗地',
    'standard_land.codes': '标准地出让宗地', 'per_mu_tax.codes': '有亩均税收数据的宗地', 'alerts.codes': '本期预警涉及宗地', 'ledger.codes': '逾期台账宗地',
  }
  if (fixed[path]) return fixed[path]!
  const m = /^(idle|inefficient)\.(?:by_type\.(\d)|(\w+))\.codes$/.exec(path)
  if (!m) return path
  return `${m[1] === 'idle' ? '闲置' : '低效'}·${m[2] ? `${TYPES[Number(m[2]) - 1]}类` : SETS[m[3]!] ?? m[3]}`
}

let user: api.User | null = null
/** County code → name (from the clusters), so that a report names places, not codes. */
const counties = new Map<string, string>()
const countyName = (code: string) => counties.get(code) ?? code
/** A rule a report cites, by its name, whose and since when (server/labels/words.ts). */
const rule = (c: Json) => escapeHtml(ruleText({ key: c.key, county_code: c.county_code ?? null, effective_from: c.effective_from ?? null }, countyName))
let charts: Charts | null = null
let current: Json = null

async function call<T>(url: string, method = 'GET', body?: unknown): Promise<T> {
  return (await api.request<T>(url, { method, body })).data
}

const pct = (v: unknown) => (v === null || v === undefined ? '—' : `${num(Number(v) * 100, 1)}%`)
const muOf = (m2: unknown) => (m2 === null || m2 === undefined ? '—' : num(Number(m2) * 0.0015, 2))
const yes = (b: unknown) => (b === true ? '<span class="good">是</span>' : b === false ? '<span class="bad">否</span>' : '—')
const at = (o: Json, path: string): Json => path.split('.').reduce((v, k) => (v === null || v === undefined ? v : v[k]), o)

/** A section another module provides, when it is missing or withheld: the words, never a number. */
function guard(section: Json): string | null {
  if (section?.missing) return `<span class="miss" title="${escapeHtml(section.missing)}">缺失</span>`
  if (section?.withheld) return '<span class="miss">不公开</span>'
  return null
}

/** A count with a link to the parcels behind it. */
function linked(u: Json, path: string, text: string): string {
  const codes = at(u, path)
  if (!Array.isArray(codes) || codes.length === 0) return text
  const unit = u.level === 'city' ? 'city' : `${u.level}:${u.code}`
  return `<a class="figure" data-unit="${escapeHtml(unit)}" data-figure="${escapeHtml(path)}" data-name="${escapeHtml(u.name)}">${text}</a>`
}

// ---- page frame --------------------------------------------------------------------------------

async function init(): Promise<void> {
  const login = new LoginPanel($('login'), (u) => void onUser(u, login))
  await onUser(await api.me(), login)
}

async function onUser(u: api.User | null, login: LoginPanel): Promise<void> {
  user = u
  login.render(u)
  $('controls').hidden = !u
  $('stored').hidden = !u
  if (!u) {
    $('page').innerHTML = '<p class="meta">登录后可生成、查看和打印报告。</p>'
    return
  }
  $('generate').onclick = () => void generate()
  $('print').onclick = () => window.print()
  $('kind').onchange = () => {
    const kind = $<HTMLSelectElement>('kind').value
    $<HTMLInputElement>('period').placeholder = { quarterly: '2024Q2', ranking: '2024H1', evaluation: '2024', quota: '2024（处置年度）' }[kind] ?? ''
  }
  try {
    for (const f of (await api.clusters()).features) counties.set(f.properties.county_code, f.properties.county_name)
  } catch { /* the list is a convenience */ }
  login.countyName = countyName
  login.render(u)
  $('county').innerHTML = '<option value="">我的范围</option>' + [...counties].sort()
    .filter(([c]) => !u.county_scope || u.county_scope.includes(c))
    .map(([c, n]) => `<option value="${escapeHtml(c)}">${escapeHtml(n)}</option>`).join('')
  await listStored()
  const id = Number(new URLSearchParams(location.search).get('id'))
  if (id > 0) await open(id)
}

async function listStored(): Promise<void> {
  try {
    const { reports } = await call<{ reports: Json[] }>('/api/reports?limit=20')
    $('stored').innerHTML = '已生成：' + (reports.length ? reports.map((r) =>
      `<a href="?id=${r.id}" data-id="${r.id}">#${r.id} ${escapeHtml(KIND_NAMES[r.kind] ?? r.kind)} ${escapeHtml(r.period)}（${escapeHtml(r.as_of)}）</a>`).join('') : '无')
    for (const a of $('stored').querySelectorAll<HTMLAnchorElement>('a[data-id]')) {
      a.onclick = (e) => { e.preventDefault(); void open(Number(a.dataset.id)) }
    }
  } catch (e) {
    $('stored').textContent = e instanceof Error ? e.message : String(e)
  }
}

async function generate(): Promise<void> {
  $('error').textContent = ''
  const body: Record<string, unknown> = { kind: $<HTMLSelectElement>('kind').value, period: $<HTMLInputElement>('period').value.trim() }
  const asOf = $<HTMLInputElement>('as-of').value
  if (asOf) body.asOf = asOf
  const county = $<HTMLSelectElement>('county').value
  if (county && body.kind === 'quarterly') body.county = county
  hook.ready = false
  $('generate').setAttribute('disabled', '')
  try {
    const r = await call<Json>('/api/reports', 'POST', body)
    history.replaceState(null, '', `?id=${r.id}`)
    await render(r)
    await listStored()
  } catch (e) {
    $('error').textContent = e instanceof Error ? e.message.split(' / ')[0]! : String(e)
    hook.error = $('error').textContent
  } finally {
    $('generate').removeAttribute('disabled')
  }
}

async function open(id: number): Promise<void> {
  hook.ready = false
  try {
    history.replaceState(null, '', `?id=${id}`)
    await render(await call<Json>(`/api/reports/${id}`))
  } catch (e) {
    $('page').innerHTML = `<p class="error">${escapeHtml(e instanceof Error ? e.message : e)}</p>`
    hook.error = String(e)
  }
}

async function download(r: Json, ext: 'json' | 'csv' | 'xlsx'): Promise<void> {
  const blob = await api.blob(`/api/reports/${r.id}/export.${ext}`)
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = `${KIND_NAMES[r.kind] ?? r.kind}-${r.period}-${r.id}.${ext}`
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

async function regenerate(r: Json): Promise<void> {
  const box = $('regen')
  box.hidden = false
  box.textContent = '正在以相同输入重算…'
  const c = await call<Json>(`/api/reports/${r.id}/regenerate`, 'POST')
  box.innerHTML = `<b data-testid="regen-result">${c.same ? '与首次生成结果一致' : `有 ${c.difference_count} 处不同`}</b>
    · 数据版本 ${c.data_version_then} → ${c.data_version_now}，此后记录 ${c.events_since.total} 条变更
    ${c.rule_versions_changed.length ? `· 规则变化：${c.rule_versions_changed.map((x: Json) => escapeHtml(label('rule', x.key))).join('；')}` : ''}
    ${c.same ? '' : `<ul>${c.differences.slice(0, 20).map((d: Json) => `<li><code>${escapeHtml(d.path)}</code>：${escapeHtml(JSON.stringify(d.then))} → ${escapeHtml(JSON.stringify(d.now))}</li>`).join('')}</ul>`}`
}

// ---- the report --------------------------------------------------------------------------------

async function render(r: Json): Promise<void> {
  current = r
  hook.id = r.id
  charts ??= await import('./charts')
  charts.disposeCharts($('page'))
  const res = r.result
  const scope = r.scope ? r.scope.map(countyName).join('、') : '全市'
  $('page').innerHTML = `
    <h2 data-testid="report-title">${escapeHtml(KIND_NAMES[r.kind] ?? r.kind)}　${escapeHtml(r.period)}</h2>
    <p class="meta">基准日 <b data-testid="report-as-of">${escapeHtml(r.as_of)}</b>${res.partial ? '（期间未结束）' : ''} · 范围 ${escapeHtml(scope)} ·
      报告 #${r.id} · 数据版本 <span data-testid="report-data-version">${r.data_version}</span> · 生成于 ${escapeHtml(beijingTime(r.generated_at))} ·
      摘要 <code>${escapeHtml(r.digest.slice(0, 12))}</code></p>
    <p class="meta">${escapeHtml(res.basis ?? '')}</p>
    <div class="downloads noprint">
      <button type="button" data-ext="json">JSON</button><button type="button" data-ext="csv">CSV</button><button type="button" data-ext="xlsx">XLSX</button>
      <button type="button" id="regen-btn" data-testid="report-regenerate">重算比较</button>
    </div>
    <div class="regen noprint" id="regen" hidden></div>
    <div id="body"></div>
    <details class="rules"><summary>适用规则版本（${r.rule_versions.length} 条，基准日有效）</summary>
      ${r.rule_versions.map((v: Json) => rule(v)).join('；')}</details>`
  for (const b of $('page').querySelectorAll<HTMLButtonElement>('.downloads button[data-ext]')) {
    b.onclick = () => void download(r, b.dataset.ext as 'json' | 'csv' | 'xlsx')
  }
  $('regen-btn').onclick = () => void regenerate(r)
  const body = $('body')
  if (r.kind === 'quarterly') await quarterly(body, res)
  else if (r.kind === 'ranking') await scored(body, res, false)
  else if (r.kind === 'evaluation') await scored(body, res, true)
  else if (r.kind === 'quota') await quota(body, res)
  else body.innerHTML = `<p>共 ${res.items?.length ?? 0} 项，见 <a href="/disclosure.html?snapshot=${r.id}">信息公开页</a>。</p>`
  for (const a of body.querySelectorAll<HTMLAnchorElement>('a.figure')) a.onclick = () => void showParcels(a)
  hook.ready = true
}

/** Counties, each followed by its clusters, then the city. */
function unitsOf(res: Json): Json[] {
  const out: Json[] = []
  for (const c of res.counties) {
    out.push(c)
    out.push(...res.clusters.filter((k: Json) => k.county_code === c.code))
  }
  if (res.city) out.push(res.city)
  return out
}

const unitCell = (u: Json) => `<td class="t">${u.level === 'cluster' ? '　' : ''}${escapeHtml(u.name)}</td>`
const rowClass = (u: Json) => (u.level === 'cluster' ? '' : ' class="county"')

async function quarterly(el: HTMLElement, res: Json): Promise<void> {
  const units = unitsOf(res)
  const t = res.targets
  el.innerHTML = `
    <p class="method">本期：${escapeHtml(res.since)} 之后至 ${escapeHtml(res.as_of)}；年初存量日 ${escapeHtml(res.year_start)}；时间进度 ${pct(res.fraction_of_year)}。
      目标：批而未供年度消化 ${pct(t.unsupplied_yearly.target)}（进度 ${pct(t.unsupplied_yearly.to_date)}），2018年前存量盘活 ${pct(t.old_stock.target)}（${escapeHtml(t.old_stock.deadline)} 前），
      闲置、低效年度处置 ${pct(t.idle_disposal.target)}（进度 ${pct(t.idle_disposal.to_date)}）。带下划线的数字可查看背后的宗地。</p>
    <div class="charts">
      <figure><figcaption>批而未供本年消化率（%，黑线为进度目标）</figcaption><div class="chart" id="chart-unsupplied" data-testid="chart-unsupplied"></div></figure>
      <figure><figcaption>闲置土地本年处置率（%）</figcaption><div class="chart" id="chart-idle"></div></figure>
      <figure><figcaption>低效用地本年处置率（%）</figcaption><div class="chart" id="chart-inefficient"></div></figure>
    </div>
    <h3>一、批而未供土地消化（§一(二)1–2）</h3>
    <table data-testid="table-unsupplied"><tr><th>单位</th><th>存量(亩)</th><th>年初存量(亩)</th><th>本期消化(亩)</th><th>本年消化(亩)</th><th>消化率</th><th>达到进度</th><th>2018年前存量盘活率</th><th>盘活达标</th><th>批次</th></tr>
      ${units.map((u) => `<tr${rowClass(u)} data-testid="unit-${escapeHtml(u.code ?? 'city')}">${unitCell(u)}
        <td>${num(u.unsupplied.stock_mu)}</td><td>${muOf(u.unsupplied.year_start_stock_m2)}</td>
        <td>${linked(u, 'unsupplied.codes_period', muOf(u.unsupplied.digested_period_m2))}</td><td>${linked(u, 'unsupplied.codes_ytd', muOf(u.unsupplied.digested_ytd_m2))}</td>
        <td>${pct(u.unsupplied.share_ytd)}</td><td>${yes(u.unsupplied.on_track)}</td><td>${pct(u.unsupplied.old_stock.share)}</td><td>${yes(u.unsupplied.old_stock.met)}</td>
        <td>${u.unsupplied.stock_batches}</td></tr>`).join('')}</table>
    ${landTable('二、闲置土地（2012 第二条）', 'idle', units, true)}
    ${landTable('三、低效用地（附件3 第二条）', 'inefficient', units, false)}
    <h4>低效用地分类型（宗）与处置措施（台账）</h4>
    <table><tr><th>单位</th>${TYPES.map((x) => `<th>${x}</th>`).join('')}<th>处置措施</th></tr>
      ${units.map((u) => `<tr${rowClass(u)}>${unitCell(u)}${TYPES.map((_, i) => `<td>${linked(u, `inefficient.by_type.${i + 1}.codes`, String(u.inefficient.by_type[String(i + 1)].parcels))}</td>`).join('')}
        <td class="t">${Object.entries(u.inefficient.by_measure ?? {}).map(([m, v]: [string, Json]) => `${escapeHtml(m)} ${v.entries}项（完成 ${v.completed}，逾期 ${v.overdue}）`).join('；') || '—'}</td></tr>`).join('')}</table>
    <h3>四、标准地出让与亩均税收</h3>
    <table data-testid="table-standard"><tr><th>单位</th><th>工业用地出让(宗)</th><th>标准地(宗)</th><th>标准地比例</th><th>目标</th><th>达标</th><th>亩均税收年度</th><th>亩均税收(万元/亩)</th><th>目标</th><th>完成率</th></tr>
      ${units.map((u) => {
        const sl = guard(u.standard_land)
        const pm = guard(u.per_mu_tax)
        return `<tr${rowClass(u)}>${unitCell(u)}
          ${sl ? `<td colspan="5">${sl}</td>` : `<td>${u.standard_land.sold}</td><td>${linked(u, 'standard_land.codes', String(u.standard_land.standard))}</td><td>${pct(u.standard_land.share_area)}</td><td>${pct(u.standard_land.target)}</td><td>${yes(u.standard_land.met)}</td>`}
          ${pm ? `<td colspan="4">${pm}</td>` : `<td>${u.per_mu_tax.year}</td><td>${linked(u, 'per_mu_tax.codes', num(u.per_mu_tax.tax_per_mu))}</td><td>${num(u.per_mu_tax.target)}</td><td>${pct(u.per_mu_tax.attainment)}</td>`}</tr>`
      }).join('')}</table>
    <h3>五、巡查预警与处置台账</h3>
    <table data-testid="table-alerts"><tr><th>单位</th><th>本期新增预警</th><th>本期办结</th><th>期末未结</th><th>期末逾期</th><th>台账条目</th><th>期末未完成</th><th>本期完成</th><th>期末逾期台账</th></tr>
      ${units.map((u) => `<tr${rowClass(u)}>${unitCell(u)}<td>${u.alerts.opened_period}</td><td>${u.alerts.closed_period}</td><td>${linked(u, 'alerts.codes', String(u.alerts.open_at_end))}</td>
        <td class="${u.alerts.overdue_at_end ? 'bad' : ''}">${u.alerts.overdue_at_end}</td><td>${u.ledger.entries}</td><td>${u.ledger.open_at_end}</td><td>${u.ledger.completed_period}</td>
        <td class="${u.ledger.overdue_at_end ? 'bad' : ''}">${linked(u, 'ledger.codes', String(u.ledger.overdue_at_end))}</td></tr>`).join('')}</table>
    <h4>逾期台账</h4>
    <table><tr><th>区县</th><th>宗地</th><th>处置措施</th><th>完成时限</th><th>逾期天数</th><th>责任单位</th></tr>
      ${res.counties.flatMap((c: Json) => c.ledger.overdue.map((x: Json) => `<tr><td class="t">${escapeHtml(c.name)}</td><td class="t">${escapeHtml(x.parcel_code)}</td><td class="t">${escapeHtml(x.measure)}</td>
        <td>${escapeHtml(x.deadline)}</td><td class="bad">${x.days_overdue}</td><td class="t">${escapeHtml(x.responsible_unit)}</td></tr>`)).join('') || '<tr><td colspan="6" class="t">无</td></tr>'}</table>`
  const bars = (section: string) => units.filter((u) => u.level !== 'city').map((u) => ({
    id: `${u.level}:${u.code}`, label: u.name,
    value: u[section].share_ytd === null ? null : Math.round(Number(u[section].share_ytd) * 1000) / 10,
    target: Number(u[section].target_to_date) * 100,
  }))
  charts!.targetBarChart($('chart-unsupplied'), bars('unsupplied'), { title: '批而未供本年消化率', unit: '%' })
  charts!.targetBarChart($('chart-idle'), bars('idle'), { title: '闲置土地本年处置率', unit: '%' })
  charts!.targetBarChart($('chart-inefficient'), bars('inefficient'), { title: '低效用地本年处置率', unit: '%' })
}

function landTable(title: string, section: 'idle' | 'inefficient', units: Json[], stages: boolean): string {
  const c = (u: Json, k: string) => linked(u, `${section}.${k}.codes`, String(u[section][k].parcels))
  return `<h3>${title}</h3>
    <table data-testid="table-${section}"><tr><th>单位</th><th>年初(宗)</th><th>年初(亩)</th><th>本期新发现</th><th>本年新发现</th><th>本期处置</th><th>本年处置</th><th>本年处置(亩)</th>
      <th>处置率</th><th>达到进度</th><th>现有(宗)</th><th>现有(亩)</th>${stages ? '<th>满两年</th>' : ''}</tr>
      ${units.map((u) => `<tr${rowClass(u)}>${unitCell(u)}<td>${c(u, 'year_start')}</td><td>${num(u[section].year_start.area_mu)}</td>
        <td>${c(u, 'found_period')}</td><td>${c(u, 'found_ytd')}</td><td>${c(u, 'disposed_period')}</td><td>${c(u, 'disposed_ytd')}</td>
        <td>${num(u[section].disposed_ytd.area_mu)}</td><td>${pct(u[section].share_ytd)}</td><td>${yes(u[section].on_track)}</td>
        <td>${c(u, 'now')}</td><td>${num(u[section].now.area_mu)}</td>${stages ? `<td>${u.idle.now.stage2}</td>` : ''}</tr>`).join('')}</table>`
}

function methodBox(m: Json, kind?: string): string {
  const weights = Object.entries(m.weights ?? {}).map(([k, w]) => `${INDICATORS[k] ?? k} ${w}`).join('，')
  const rules = (m.rule ? [m.rule] : m.rules ?? []).map((c: Json) => rule(c)).join('；')
  return `<div class="method" data-testid="report-method"><b>计算方法</b>：${escapeHtml(kind && kind in REPORT_FORMULA ? label('reportFormula', kind) : chinese(m.formula))}<br>
    ${weights ? `权重：${escapeHtml(weights)}；单项上限 ${m.cap ?? '—'}${m.pro_rata !== undefined ? `；目标按时间进度折算：${m.pro_rata ? `是（${pct(m.fraction_of_year)}）` : '否'}` : ''}<br>` : ''}
    ${m.interview ? `约谈：得分低于 ${m.interview.score_below}${m.interview.bottom ? `，或排名末 ${m.interview.bottom} 位` : ''}<br>` : ''}
    ${(m.grades ?? []).map((g: Json) => `${escapeHtml(g.grade)}（≥${g.min}）：${escapeHtml(g.consequence)}`).join('<br>')}
    ${m.source ? `<br>公式来源：${escapeHtml(m.source)}` : ''}
    ${m.coefficients ? `<br>系数：${escapeHtml(JSON.stringify(m.coefficients))}；基数：${escapeHtml(JSON.stringify(m.base_mu))}` : ''}
    <br>规则：${rules}</div>`
}

function indicatorCells(u: Json): string {
  return Object.keys(INDICATORS).map((k) => {
    const i = u.indicators?.[k]
    if (!i || i.points === null || i.points === undefined) return `<td class="miss">${escapeHtml(LEFT_OUT[i?.left_out] ?? '不参评')}</td>`
    return `<td title="完成 ${num(i.value, 4)} / 目标 ${num(i.target, 4)}">${num(i.points, 1)}</td>`
  }).join('')
}

async function scored(el: HTMLElement, res: Json, evaluation: boolean): Promise<void> {
  const head = `<th>名次</th><th>单位</th><th>得分</th>${evaluation ? '<th>等次</th><th>奖惩</th><th>约谈</th>' : ''}${Object.values(INDICATORS).map((n) => `<th>${n}</th>`).join('')}`
  const rows = (list: Json[]) => list.map((u) => `<tr data-testid="rank-${escapeHtml(u.code)}"><td>${u.rank ?? '—'}</td><td class="t">${escapeHtml(u.name)}</td><td><b>${num(u.score)}</b></td>
    ${evaluation ? `<td>${escapeHtml(u.grade ?? '—')}</td><td class="t">${escapeHtml(u.consequence ?? '')}</td><td>${u.interview ? '<span class="bad">约谈</span>' : '—'}</td>` : ''}
    ${indicatorCells(u)}</tr>`).join('')
  el.innerHTML = `${methodBox(res.method, evaluation ? 'evaluation' : 'ranking')}
    <div class="chart" id="chart-scores" data-testid="chart-scores"></div>
    <h3>${evaluation ? '区县考评结果' : '区县排名'}</h3><table data-testid="table-counties"><tr>${head}</tr>${rows(res.counties)}</table>
    ${evaluation
      ? `<h3>约谈名单（工作推进慢、效果不明显）</h3><table data-testid="table-interview"><tr><th>区县</th><th>得分</th><th>原因</th><th>薄弱指标</th></tr>
          ${res.interview.map((u: Json) => `<tr><td class="t">${escapeHtml(u.name)}</td><td>${num(u.score)}</td><td class="t">${u.reasons.map((x: string) => (x === 'score_below' ? '得分低于约谈线' : '排名末位')).join('；')}</td>
            <td class="t">${u.weak_indicators.map((k: string) => INDICATORS[k] ?? k).join('、')}</td></tr>`).join('') || '<tr><td colspan="4" class="t">无</td></tr>'}</table>`
      : `<h3>集聚区排名</h3><table data-testid="table-clusters"><tr>${head}</tr>${rows(res.clusters)}</table>`}`
  const line = evaluation ? Number(res.method.interview?.score_below ?? 60) : 60
  charts!.targetBarChart($('chart-scores'), res.counties.map((u: Json) => ({ id: u.code, label: `${u.rank ?? '—'}. ${u.name}`, value: u.score, target: line })),
    { title: evaluation ? '区县考评得分（黑线为约谈线）' : '区县评比得分（黑线为60分）', unit: '分' })
}

async function quota(el: HTMLElement, res: Json): Promise<void> {
  el.innerHTML = `${methodBox(res.method)}
    <p>指标年度：<b>${res.quota_year}</b>；合计 <b data-testid="quota-total">${num(res.total_mu)}</b> 亩。</p>
    <div class="chart" id="chart-quota"></div>
    <table data-testid="table-quota"><tr><th>集聚区</th><th>基数(亩)</th><th>批而未供消化(亩)</th><th>消化率</th><th>达标</th><th>闲置处置(亩)</th><th>处置率</th><th>达标</th><th>系数</th><th>下年度指标(亩)</th></tr>
      ${res.clusters.map((c: Json) => `<tr><td class="t">${escapeHtml(c.name)}</td><td>${num(c.base_mu)}</td><td>${num(c.unsupplied_digested_mu)}</td><td>${pct(c.unsupplied_share_ytd)}</td>
        <td>${yes(c.unsupplied_met)}</td><td>${num(c.idle_disposed_mu)}</td><td>${pct(c.idle_share_ytd)}</td><td>${yes(c.idle_met)}</td><td>${num(c.factor)}</td><td><b>${num(c.quota_mu)}</b></td></tr>`).join('')}</table>`
  charts!.targetBarChart($('chart-quota'), res.clusters.map((c: Json) => ({ id: c.code, label: c.name, value: c.quota_mu, target: c.base_mu })),
    { title: '下年度新增建设用地指标（黑线为基数）', unit: '亩' })
}

async function showParcels(a: HTMLAnchorElement): Promise<void> {
  const box = $('parcels')
  box.hidden = false
  box.innerHTML = '加载中…'
  try {
    const fc = await call<Json>(`/api/reports/${current.id}/parcels?unit=${encodeURIComponent(a.dataset.unit!)}&figure=${encodeURIComponent(a.dataset.figure!)}`)
    box.innerHTML = `<button type="button" class="close" aria-label="关闭">×</button>
      <h4>${escapeHtml(a.dataset.name)} · ${escapeHtml(figureName(a.dataset.figure!))}（${fc.features.length} 宗）</h4>
      <table><tr><th>宗地编号</th><th>面积(亩)</th><th>阶段</th></tr>${fc.features.map((f: Json) =>
        `<tr><td class="t">${escapeHtml(f.properties.code)}</td><td>${num(f.properties.area_mu)}</td><td class="t">${escapeHtml(label('stage', f.properties.stage))}${f.properties.retired ? '（已注销）' : ''}</td></tr>`).join('')}</table>`
    box.querySelector<HTMLButtonElement>('.close')!.onclick = () => { box.hidden = true }
  } catch (e) {
    box.textContent = e instanceof Error ? e.message : String(e)
  }
}

void init().catch((e) => {
  hook.error = String(e)
  $('page').innerHTML = `<p class="error">${escapeHtml(e)}</p>`
})
