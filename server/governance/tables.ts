/** A stored governance report as tables: the one CSV carries the main table, the XLSX every table
 * (说明 first: what the report was generated from, so that a printout can be regenerated). Built
 * from the same JSON the API serves, after the same withholding of tax figures. */
import type { Json, StoredReport } from '../db/repos/governance'
import type { Cell } from './csv'
import { DISCLOSURE_CLASS, REPORT_INDICATOR, REPORT_KIND, REPORT_LEVEL, REPORT_SET } from '../labels/codes'

export interface Column {
  header: string
  width?: number
  /** Excel number format of the column. */
  numFmt?: string
  get: (row: Json) => Cell
}

export interface Table {
  name: string
  columns: Column[]
  rows: Json[]
}

export interface ReportTables {
  title: string
  /** Label/value lines of the 说明 sheet. */
  meta: [string, Cell][]
  /** The table of the CSV; every table goes to the XLSX. */
  main: Table
  others: Table[]
}

// the labels of report kinds, levels, indicators and disclosure classes: one source with the web map (labels/codes.ts)
const KIND_NAMES: Record<string, string> = REPORT_KIND
const LEVEL_NAMES: Record<string, string> = REPORT_LEVEL
export const INDICATOR_NAMES: Record<string, string> = REPORT_INDICATOR
const INEFFICIENT_TYPES = ['产业转型类', '停建缓建类', '开发未达标类', '停产半停产类', '产出未达标类', '其他类']
const CLASS_NAMES: Record<string, string> = DISCLOSURE_CLASS

/** A path into a JSON object ('idle.year_start.parcels'). */
export function at(o: Json, path: string): Json {
  let v = o
  for (const k of path.split('.')) {
    if (v === null || v === undefined) return undefined
    v = v[k]
  }
  return v
}

const MISSING = '缺失'
const WITHHELD = '不公开'

/** A figure whose source module is not installed, or withheld from this viewer, prints as words. */
function guarded(o: Json, section: string, path: string): Cell {
  const s = o?.[section]
  if (s?.missing) return MISSING
  if (s?.withheld) return WITHHELD
  return at(s, path)
}

const mu = (m2: Json): Cell => (typeof m2 === 'number' ? Math.round(m2 * 0.0015 * 10000) / 10000 : null)
const yesNo = (b: Json): Cell => (b === true ? '是' : b === false ? '否' : '—')
const num = (header: string, get: (r: Json) => Cell, numFmt = '0.0000', width = 12): Column => ({ header, get, numFmt, width })
const pct = (header: string, get: (r: Json) => Cell): Column => ({ header, get, numFmt: '0.00%', width: 10 })
const text = (header: string, get: (r: Json) => Cell, width = 14): Column => ({ header, get, width })
const int = (header: string, get: (r: Json) => Cell, width = 10): Column => ({ header, get, numFmt: '0', width })

function metaOf(r: StoredReport): [string, Cell][] {
  const res = r.result
  return [
    ['报告 / report', KIND_NAMES[r.kind] ?? r.kind],
    ['报告编号 / id', r.id],
    ['期间 / period', r.period],
    ['基准日 / as of', r.as_of],
    ['范围 / scope', r.scope ? r.scope.join('、') : '全市 / whole city'],
    ['数据版本 / data version (max event_log.id)', r.data_version],
    ['生成时间 / generated at', String(r.generated_at)],
    ['结果摘要 / md5 of the result', r.digest],
    ['依据 / basis', res?.basis ?? ''],
    ['规则版本 / rules in force (key#id, county, from)',
      r.rule_versions.map((v) => `${v.key}#${v.rule_id}${v.county_code ? `(${v.county_code})` : ''} ${v.effective_from}`).join('; ')],
    ['重新生成 / regenerate', `POST /api/reports/${r.id}/regenerate 以相同输入重算并比较 / recompute from the same inputs and compare`],
  ]
}

// ---- quarterly

function quarterlyColumns(): Column[] {
  return [
    text('层级', (u) => LEVEL_NAMES[u.level] ?? u.level, 8), text('代码', (u) => u.code ?? ''), text('名称', (u) => u.name, 20),
    num('批而未供存量(亩)', (u) => at(u, 'unsupplied.stock_mu')),
    num('年初存量(亩)', (u) => mu(at(u, 'unsupplied.year_start_stock_m2'))),
    num('本期消化(亩)', (u) => mu(at(u, 'unsupplied.digested_period_m2'))),
    num('本年累计消化(亩)', (u) => mu(at(u, 'unsupplied.digested_ytd_m2'))),
    pct('本年消化率', (u) => at(u, 'unsupplied.share_ytd')), pct('年度目标', (u) => at(u, 'unsupplied.target')),
    pct('进度目标', (u) => at(u, 'unsupplied.target_to_date')), text('达到进度', (u) => yesNo(at(u, 'unsupplied.on_track')), 8),
    num('2018年前存量基数(亩)', (u) => mu(at(u, 'unsupplied.old_stock.baseline_m2'))),
    num('已盘活(亩)', (u) => mu(at(u, 'unsupplied.old_stock.revitalised_m2'))),
    pct('存量盘活率', (u) => at(u, 'unsupplied.old_stock.share')), text('盘活达标(60%)', (u) => yesNo(at(u, 'unsupplied.old_stock.met')), 8),
    int('年初闲置(宗)', (u) => at(u, 'idle.year_start.parcels')), num('年初闲置(亩)', (u) => at(u, 'idle.year_start.area_mu')),
    int('本期新发现闲置(宗)', (u) => at(u, 'idle.found_period.parcels')), int('本年新发现闲置(宗)', (u) => at(u, 'idle.found_ytd.parcels')),
    int('本期处置闲置(宗)', (u) => at(u, 'idle.disposed_period.parcels')), int('本年处置闲置(宗)', (u) => at(u, 'idle.disposed_ytd.parcels')),
    num('本年处置闲置(亩)', (u) => at(u, 'idle.disposed_ytd.area_mu')), pct('闲置处置率', (u) => at(u, 'idle.share_ytd')),
    text('闲置达到进度(40%)', (u) => yesNo(at(u, 'idle.on_track')), 8),
    int('现有闲置(宗)', (u) => at(u, 'idle.now.parcels')), num('现有闲置(亩)', (u) => at(u, 'idle.now.area_mu')),
    int('闲置满两年(宗)', (u) => at(u, 'idle.now.stage2')),
    int('年初低效(宗)', (u) => at(u, 'inefficient.year_start.parcels')), num('年初低效(亩)', (u) => at(u, 'inefficient.year_start.area_mu')),
    int('本期新认定低效(宗)', (u) => at(u, 'inefficient.found_period.parcels')),
    int('本期处置低效(宗)', (u) => at(u, 'inefficient.disposed_period.parcels')), int('本年处置低效(宗)', (u) => at(u, 'inefficient.disposed_ytd.parcels')),
    pct('低效处置率', (u) => at(u, 'inefficient.share_ytd')), text('低效达到进度(40%)', (u) => yesNo(at(u, 'inefficient.on_track')), 8),
    int('现有低效(宗)', (u) => at(u, 'inefficient.now.parcels')), num('现有低效(亩)', (u) => at(u, 'inefficient.now.area_mu')),
    ...INEFFICIENT_TYPES.map((name, i) => int(`低效·${name}(宗)`, (u) => at(u, `inefficient.by_type.${i + 1}.parcels`))),
    text('低效处置措施(台账)', (u) => Object.entries(at(u, 'inefficient.by_measure') ?? {})
      .map(([m, v]) => `${m} ${(v as Json).entries}项(完成${(v as Json).completed}，逾期${(v as Json).overdue})`).join('；'), 30),
    int('工业用地出让(宗)', (u) => guarded(u, 'standard_land', 'sold')), int('其中标准地(宗)', (u) => guarded(u, 'standard_land', 'standard')),
    pct('标准地比例(面积)', (u) => guarded(u, 'standard_land', 'share_area')), pct('标准地目标', (u) => guarded(u, 'standard_land', 'target')),
    int('亩均税收年度', (u) => guarded(u, 'per_mu_tax', 'year')),
    num('亩均税收(万元/亩)', (u) => guarded(u, 'per_mu_tax', 'tax_per_mu')), num('亩均税收目标', (u) => guarded(u, 'per_mu_tax', 'target')),
    pct('亩均税收完成率', (u) => guarded(u, 'per_mu_tax', 'attainment')),
    int('本期新增预警', (u) => at(u, 'alerts.opened_period')), int('本期办结预警', (u) => at(u, 'alerts.closed_period')),
    int('期末未结预警', (u) => at(u, 'alerts.open_at_end')), int('期末逾期预警', (u) => at(u, 'alerts.overdue_at_end')),
    int('台账条目', (u) => at(u, 'ledger.entries')), int('期末未完成', (u) => at(u, 'ledger.open_at_end')),
    int('本期完成', (u) => at(u, 'ledger.completed_period')), int('期末逾期台账', (u) => at(u, 'ledger.overdue_at_end')),
  ]
}

const SET_NAMES: Readonly<Record<string, string>> = REPORT_SET

/** The figures that carry parcels, with their names: the links of the report. */
export const LINKED_FIGURES: { path: string; name: string }[] = [
  { path: 'unsupplied.batch_refs', name: '批而未供批次（批准文号）' },
  { path: 'unsupplied.codes_period', name: '本期供地变化宗地（消化批而未供）' },
  { path: 'unsupplied.codes_ytd', name: '本年供地变化宗地' },
  ...['year_start', 'now', 'found_period', 'found_ytd', 'disposed_period', 'disposed_ytd'].flatMap((k) => [
    { path: `idle.${k}.codes`, name: `闲置·${SET_NAMES[k]}` }, { path: `inefficient.${k}.codes`, name: `低效·${SET_NAMES[k]}` }]),
  ...INEFFICIENT_TYPES.map((t, i) => ({ path: `inefficient.by_type.${i + 1}.codes`, name: `低效·${t}` })),
  { path: 'standard_land.codes', name: '标准地出让宗地' },
  { path: 'per_mu_tax.codes', name: '有亩均税收数据的宗地' },
  { path: 'alerts.codes', name: '本期预警涉及宗地' },
  { path: 'ledger.codes', name: '逾期台账宗地' },
]

function quarterlyTables(r: StoredReport): ReportTables {
  const res = r.result
  const units: Json[] = [...res.counties, ...res.clusters, ...(res.city ? [res.city] : [])]
  const lead: Column[] = [
    int('报告编号', () => r.id), text('期间', () => r.period, 8), text('基准日', () => r.as_of, 11), int('数据版本', () => r.data_version),
  ]
  const links: Json[] = []
  for (const u of units) {
    for (const f of LINKED_FIGURES) {
      const codes = at(u, f.path)
      if (Array.isArray(codes) && codes.length > 0) links.push({ u, f, codes })
    }
  }
  const overdue = (kind: 'ledger' | 'alerts') => res.counties.flatMap((u: Json) => (at(u, `${kind}.overdue`) ?? []).map((x: Json) => ({ u, x })))
  return {
    title: `${KIND_NAMES.quarterly} ${r.period}`,
    meta: [...metaOf(r), ['本期 / period', `${res.since} 之后至 ${res.as_of} / after ${res.since} up to ${res.as_of}`],
      ['年初 / year start (stock date)', res.year_start], ['亩均税收年度 / per-mu year', res.permu_year]],
    main: { name: '进展', columns: [...lead, ...quarterlyColumns()], rows: units },
    others: [
      { name: '宗地明细', columns: [
        text('层级', (x) => LEVEL_NAMES[x.u.level], 8), text('代码', (x) => x.u.code ?? ''), text('名称', (x) => x.u.name, 20),
        text('指标', (x) => x.f.name, 30), int('数量', (x) => x.codes.length), text('宗地编号/批准文号', (x) => x.codes.join('、'), 80)], rows: links },
      { name: '逾期台账', columns: [
        text('区县', (x) => x.u.name), int('编号', (x) => x.x.id), text('宗地编号', (x) => x.x.parcel_code), text('处置措施', (x) => x.x.measure),
        text('完成时限', (x) => x.x.deadline, 11), int('逾期天数', (x) => x.x.days_overdue), text('责任单位', (x) => x.x.responsible_unit, 24)],
        rows: overdue('ledger') },
      { name: '逾期预警', columns: [
        text('区县', (x) => x.u.name), int('预警编号', (x) => x.x.id), text('类型', (x) => x.x.type, 24), text('宗地编号', (x) => x.x.parcel_code ?? ''),
        text('核查时限', (x) => x.x.due_on, 11), int('逾期天数', (x) => x.x.days_overdue)], rows: overdue('alerts') },
    ],
  }
}

// ---- ranking and evaluation

function indicatorColumns(): Column[] {
  return Object.entries(INDICATOR_NAMES).flatMap(([k, name]) => [
    num(`${name}·完成值`, (u) => at(u, `indicators.${k}.value`)), num(`${name}·目标`, (u) => at(u, `indicators.${k}.target`)),
    num(`${name}·得分`, (u) => at(u, `indicators.${k}.points`), '0.00'),
  ])
}

const leftOut = (u: Json) => (u.left_out ?? []).map((k: string) => `${INDICATOR_NAMES[k] ?? k}（${at(u, `indicators.${k}.left_out`) ?? ''}）`).join('；')

function methodRows(res: Json): Json[] {
  const m = res.method
  const rows: Json[] = [{ k: '计算方法 / formula', v: m.formula }]
  if (m.source) rows.push({ k: '公式来源 / source', v: m.source })
  for (const [k, w] of Object.entries(m.weights ?? {})) rows.push({ k: `权重 ${INDICATOR_NAMES[k] ?? k}`, v: w })
  if (m.cap !== undefined) rows.push({ k: '单项上限 cap', v: m.cap })
  if (m.pro_rata !== undefined) rows.push({ k: '目标按时间进度折算 pro_rata', v: m.pro_rata }, { k: '时间进度 fraction_of_year', v: m.fraction_of_year })
  if (m.interview) rows.push({ k: '约谈线 interview below', v: m.interview.score_below }, { k: '末位约谈数 bottom', v: m.interview.bottom })
  for (const g of m.grades ?? []) rows.push({ k: `等次 ${g.grade}（≥${g.min}）`, v: g.consequence })
  if (m.coefficients) for (const [k, v] of Object.entries(m.coefficients)) rows.push({ k: `系数 ${k}`, v: Array.isArray(v) ? v.join('、') : v })
  if (m.base_mu) for (const [k, v] of Object.entries(m.base_mu)) rows.push({ k: `基数 ${k}（亩）`, v })
  for (const [k, t] of Object.entries(m.targets ?? {})) {
    if (typeof t === 'object' && t) rows.push({ k: `目标 ${INDICATOR_NAMES[k] ?? k}`, v: `${(t as Json).target}${(t as Json).to_date !== undefined ? `（进度 ${(t as Json).to_date}）` : ''} ${(t as Json).basis ?? ''}` })
  }
  const rules = m.rule ? [m.rule] : m.rules ?? []
  for (const c of rules) rows.push({ k: `规则 ${c.key}`, v: `#${c.rule_id} 自 ${c.effective_from}${c.county_code ? `（${c.county_code}）` : '（全市）'}` })
  return rows
}

const methodTable = (res: Json): Table => ({
  name: '方法', columns: [text('项目', (x) => x.k, 36), text('内容', (x) => x.v, 100)], rows: methodRows(res),
})

function rankingTables(r: StoredReport): ReportTables {
  const res = r.result
  const rows = [...res.counties.map((u: Json) => ({ ...u, level: 'county' })), ...res.clusters.map((u: Json) => ({ ...u, level: 'cluster' }))]
  return {
    title: `${KIND_NAMES.ranking} ${r.period}`,
    meta: metaOf(r),
    main: { name: '排名', columns: [
      int('报告编号', () => r.id), text('期间', () => r.period, 8), text('基准日', () => r.as_of, 11),
      text('层级', (u) => LEVEL_NAMES[u.level], 8), int('名次', (u) => u.rank, 6), text('代码', (u) => u.code), text('名称', (u) => u.name, 20),
      num('得分', (u) => u.score, '0.00', 8), ...indicatorColumns(), text('不参评指标', leftOut, 40)], rows },
    others: [methodTable(res)],
  }
}

function evaluationTables(r: StoredReport): ReportTables {
  const res = r.result
  return {
    title: `${KIND_NAMES.evaluation} ${r.period}`,
    meta: metaOf(r),
    main: { name: '考评结果', columns: [
      int('报告编号', () => r.id), text('年度', () => r.period, 8), text('基准日', () => r.as_of, 11),
      int('名次', (u) => u.rank, 6), text('代码', (u) => u.code), text('名称', (u) => u.name, 20), num('得分', (u) => u.score, '0.00', 8),
      text('等次', (u) => u.grade ?? '', 8), text('奖惩', (u) => u.consequence ?? '', 40), text('约谈', (u) => yesNo(u.interview), 6),
      text('约谈原因', (u) => (u.interview_reasons ?? []).map((x: string) => (x === 'score_below' ? '得分低于约谈线' : '排名末位')).join('；'), 20),
      text('薄弱指标', (u) => (u.weak_indicators ?? []).map((k: string) => INDICATOR_NAMES[k] ?? k).join('、'), 30),
      ...indicatorColumns(), text('不参评指标', leftOut, 40)], rows: res.counties },
    others: [
      { name: '约谈名单', columns: [text('代码', (u) => u.code), text('名称', (u) => u.name, 20), num('得分', (u) => u.score, '0.00', 8),
        text('原因', (u) => (u.reasons ?? []).map((x: string) => (x === 'score_below' ? '得分低于约谈线' : '排名末位')).join('；'), 20),
        text('薄弱指标', (u) => (u.weak_indicators ?? []).map((k: string) => INDICATOR_NAMES[k] ?? k).join('、'), 40)], rows: res.interview },
      methodTable(res),
    ],
  }
}

function quotaTables(r: StoredReport): ReportTables {
  const res = r.result
  return {
    title: `${KIND_NAMES.quota} ${res.quota_year} 年（依据 ${r.period} 年处置情况）`,
    meta: [...metaOf(r), ['指标年度 / quota year', res.quota_year], ['合计(亩) / total', res.total_mu]],
    main: { name: '指标测算', columns: [
      int('报告编号', () => r.id), text('处置年度', () => r.period, 8), int('指标年度', () => res.quota_year, 8),
      text('集聚区代码', (c) => c.code), text('集聚区', (c) => c.name, 20), text('区县', (c) => c.county_code, 8),
      num('基数(亩)', (c) => c.base_mu), num('批而未供消化(亩)', (c) => c.unsupplied_digested_mu), pct('消化率', (c) => c.unsupplied_share_ytd),
      text('消化达标(30%)', (c) => yesNo(c.unsupplied_met), 8), num('闲置处置(亩)', (c) => c.idle_disposed_mu), pct('闲置处置率', (c) => c.idle_share_ytd),
      text('处置达标(40%)', (c) => yesNo(c.idle_met), 8), text('未完成目标', (c) => (c.missed ?? []).map((k: string) => INDICATOR_NAMES[k] ?? k).join('、'), 20),
      num('系数f', (c) => c.factor, '0.00', 8), num('下年度新增指标(亩)', (c) => c.quota_mu)], rows: res.clusters },
    others: [methodTable(res)],
  }
}

function disclosureTables(r: StoredReport): ReportTables {
  return disclosureTablesOf({ id: r.id, as_of: r.as_of, published_at: r.generated_at, items: r.result.items, settings: r.result.settings }, metaOf(r))
}

/** The public list as tables (the public endpoint's CSV and XLSX use this too, with only public meta). */
export function disclosureTablesOf(s: { id: number; as_of: string; published_at: string; items: Json[]; settings: Json[] }, meta?: [string, Cell][]): ReportTables {
  return {
    title: `${KIND_NAMES.disclosure}（${s.as_of}）`,
    meta: meta ?? [
      ['清单 / list', KIND_NAMES.disclosure], ['快照编号 / snapshot', s.id], ['基准日 / as of', s.as_of], ['发布时间 / published', String(s.published_at)],
      ['依据 / basis', '洛政办〔2021〕16号 §四(四)'],
      ['公开范围 / published classes', s.settings.map((x: Json) => `${x.county_name}：${['unsupplied', 'idle', 'inefficient'].filter((c) => x[c]).map((c) => CLASS_NAMES[c]).join('、') || '不公开'}`).join('；')],
    ],
    main: { name: '公开清单', columns: [
      int('序号', (i) => i.seq, 6), text('类别', (i) => CLASS_NAMES[i.class] ?? i.class, 8), text('宗地编号/批准文号', (i) => i.ref, 20),
      text('细类', (i) => i.detail ?? '', 20), text('区县', (i) => i.county_name, 10), text('产业集聚区', (i) => i.cluster_name ?? '', 20),
      num('面积(m²)', (i) => i.area_m2, '#,##0.00'), num('面积(亩)', (i) => i.area_mu), text('起始日期', (i) => i.since ?? '', 11),
      text('责任单位', (i) => i.responsible_unit, 24), num('经度', (i) => i.lon, '0.000000'), num('纬度', (i) => i.lat, '0.000000')], rows: s.items },
    others: [],
  }
}

export function reportTables(r: StoredReport): ReportTables {
  switch (r.kind) {
    case 'quarterly': return quarterlyTables(r)
    case 'ranking': return rankingTables(r)
    case 'evaluation': return evaluationTables(r)
    case 'quota': return quotaTables(r)
    case 'disclosure': return disclosureTables(r)
  }
}
