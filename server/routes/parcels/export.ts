/** The card and the file of parcels as an XLSX workbook a county office can print (A4 landscape,
 * the header row repeated on every page). Built from the same JSON the API serves, so the same
 * county scope and the same hiding of tax, output and price apply. */
import ExcelJS from 'exceljs'
import { classificationLabel, label as codeLabel } from '../../labels/codes'
import { actorLabel, beijingTime, indicatorText } from '../../labels/words'

/* eslint-disable @typescript-eslint/no-explicit-any -- the card and the file are PostGIS-built JSON */
type Json = any

const STAGE: Record<string, string> = {
  approved: '已批未供', supplied: '已供地', under_construction: '在建', completed: '已竣工', producing: '已投产', recovered: '已收回',
}
const EVENT_TYPE: Record<string, string> = {
  approval: '批准', registration: '宗地登记', attribute_change: '属性变更', geometry_change: '图形变更', retirement: '注销',
  supply: '供地', contract_indicator: '合同指标', development: '开发建设', inspection: '巡查核查', disposal: '处置台账',
  alert: '巡查预警', lease: '租赁', figures: '年度数据', enterprise: '企业信息',
}
const ACTION: Record<string, string> = { insert: '新增', update: '修改', delete: '删除', approved: '批准' }
const DEV_KIND: Record<string, string> = {
  start: '动工', progress: '进度', halt: '停工', resume: '复工', completion: '竣工',
  completion_acceptance: '竣工验收', production_acceptance: '达产验收', inspection: '巡查',
}
const FIELD: Record<string, string> = {
  land_use: '土地用途', stage: '阶段', stated_area_m2: '登记面积(m²)', geom: '图形', area_m2: '面积(m²)', area_mu: '面积(亩)',
  cluster_code: '集聚区', retired_at: '注销时间', retired_reason: '注销原因', signed_on: '签订日期', price_wan: '出让价款(万元)',
  agreed_start_on: '约定动工日期', agreed_completion_on: '约定竣工日期', terminated_on: '解除日期', land_user_code: '土地使用权人',
  owner_name: '权利人', county_code: '区县', code: '宗地编号',
  total_investment_wan: '总投资(万元)', term_years: '出让年限', measure: '处置措施', deadline: '完成时限', progress: '进展',
  completed_on: '完成日期', responsible_unit: '责任单位', cause: '形成原因', status: '状态', occurred_on: '日期',
  developed_area_m2: '已开发面积(m²)', invested_wan: '已投资(万元)', name: '名称', tax_paid_wan: '纳税(万元)', output_wan: '产值(万元)',
}

const label = (map: Record<string, string>, key: unknown) => (typeof key === 'string' ? map[key] ?? key : '')

function show(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'boolean') return v ? '是' : '否'
  if (typeof v === 'object') return (v as { type?: string }).type ? '（图形）' : JSON.stringify(v)
  return String(v)
}

/** What an event changed, as one line a reader can follow: 土地用途：工业用地 → 仓储用地；… */
function describe(e: Json): string {
  if (e.changes?.length) {
    return e.changes.map((c: Json) => `${label(FIELD, c.field)}：${show(c.old)} → ${show(c.new)}`).join('；')
  }
  if (e.redacted) return '（涉密字段变更，无权查看）'
  const v = e.value ?? {}
  switch (e.type) {
    case 'approval': return `${v.approval_no ?? ''} ${v.name ?? ''}`.trim()
    case 'supply': return `${v.contract_no ?? ''} ${v.supply_method === 'allocation' ? '划拨' : '出让'}`
    case 'development':
    case 'inspection': return [label(DEV_KIND, v.kind), v.note].filter(Boolean).join('：')
    case 'disposal': return [v.measure, v.deadline && `时限 ${v.deadline}`, v.responsible_unit].filter(Boolean).join('，')
    case 'contract_indicator': return indicatorText(v)
    case 'figures': return `${v.year ?? ''} 年：纳税 ${show(v.tax_paid_wan)} 万元，产值 ${show(v.output_wan)} 万元`
    case 'alert': return `${codeLabel('alertType', v.type)}（${codeLabel('alertStatus', v.status)}）`
    case 'registration': return [v.code, v.owner_name && `权利人 ${v.owner_name}`, v.land_use].filter(Boolean).join('，')
    default: return v.code ?? v.name ?? ''
  }
}

function printable(ws: ExcelJS.Worksheet, title: string, headerRow = 1): void {
  ws.pageSetup = {
    paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0,
    printTitlesRow: `${headerRow}:${headerRow}`, margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
  }
  ws.headerFooter = { oddHeader: `&C&B${title}`, oddFooter: '&L打印日期 &D&R第 &P 页 / 共 &N 页' }
}

function header(ws: ExcelJS.Worksheet, columns: { header: string; key: string; width: number }[]): void {
  ws.columns = columns
  const row = ws.getRow(1)
  row.font = { bold: true }
  row.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true }
  row.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } }
    c.border = { bottom: { style: 'thin' } }
  })
  ws.views = [{ state: 'frozen', ySplit: 1 }]
}

const wrap = (ws: ExcelJS.Worksheet) => ws.eachRow((r, n) => { if (n > 1) r.alignment = { vertical: 'top', wrapText: true } })

/** The card as label/value rows, in the order a surveyor reads it. */
function cardRows(card: Json): [string, unknown][] {
  const p = card.properties
  const current = p.contracts?.find((c: Json) => c.current) ?? null
  const d = p.development ?? {}
  const rows: [string, unknown][] = [
    ['宗地编号', p.code], ['区县', `${p.county_name ?? ''}（${p.county_code}）`], ['产业集聚区', p.cluster_name ?? p.cluster_code],
    ['土地用途', p.land_use], ['生命周期阶段', label(STAGE, p.stage)],
    ['图形面积(m²)', p.area_m2], ['图形面积(亩)', p.area_mu], ['登记面积(m²)', p.stated_area_m2],
    ['规划分区', (p.plan_zones ?? []).map((z: Json) => `${z.name ?? codeLabel('zoneType', z.zone_type)}（${codeLabel('zoneType', z.zone_type)}，${z.overlap_m2} m²）`).join('；')],
    ['批次', (p.approval_batches ?? []).map((b: Json) => `${b.approval_no}（${b.approved_on}）`).join('；')],
    // 权利人 as surveyed; 土地使用权人 is the land user of the contract in force (DOMAIN.md life cycle 2)
    ['权利人', p.owner_name],
    ['土地使用权人', p.land_user ? `${p.land_user.name}（${p.land_user.credit_code}）` : ''],
    ['承租企业', (p.tenants ?? []).map((x: Json) => `${x.tenant_name}（${x.starts_on} 起）`).join('；')],
    ['供地合同', current ? `${current.contract_no}，${current.supply_method === 'allocation' ? '划拨' : '出让'}，签订 ${current.signed_on}` : ''],
    ['约定动工 / 竣工', current ? `${current.agreed_start_on ?? ''} / ${current.agreed_completion_on ?? ''}` : ''],
    ['标准地', current ? show(current.is_standard_land) : ''],
  ]
  if (current && 'price_wan' in current) rows.push(['出让价款(万元)', current.price_wan])
  rows.push(['合同指标', (current?.indicators ?? []).map((i: Json) => indicatorText(i)).join('；')])
  rows.push(
    ['实际动工', d.started_on], ['竣工', d.completed_on], ['竣工验收', d.completion_accepted_on], ['达产验收', d.production_accepted_on],
    ['停工自', d.halted_since], ['已开发面积(m²)', d.developed_area_m2], ['已投资(万元)', d.invested_wan], ['最近巡查', d.last_inspection_on],
    ['未结预警', (p.alerts ?? []).map((a: Json) => `${codeLabel('alertType', a.type)}（${codeLabel('alertStatus', a.status)}）`).join('；')],
    ['处置台账', (p.ledger ?? []).map((l: Json) => `${l.measure}，时限 ${l.deadline}${l.completed_on ? `，${l.completed_on} 完成` : l.overdue ? `，逾期 ${l.days_overdue} 天` : ''}`).join('；')],
    ['分类认定', (p.classifications ?? []).map((c: Json) => classificationLabel(c)).join('；')],
  )
  for (const f of p.figures ?? []) {
    rows.push([`${f.relation === 'tenant' ? '承租企业' : '使用权人'} ${f.name} ${f.year} 年`,
      `纳税 ${show(f.tax_paid_wan)} 万元，退税 ${show(f.tax_refund_wan)} 万元，产值 ${show(f.output_wan)} 万元，评价 ${show(f.rating)}`])
  }
  if (p.retired_at) rows.push(['注销', `${p.retired_at}：${p.retired_reason}`])
  rows.push(['卡片版本', p.version])
  return rows
}

function addFile(ws: ExcelJS.Worksheet, files: { code: string; events: Json[] }[], withCode: boolean): void {
  header(ws, [
    ...(withCode ? [{ header: '宗地编号', key: 'code', width: 16 }] : []),
    { header: '日期', key: 'on', width: 12 }, { header: '事项', key: 'type', width: 12 }, { header: '操作', key: 'action', width: 8 },
    { header: '内容', key: 'what', width: 70 }, { header: '操作人', key: 'actor', width: 20 },
    { header: '记录时间', key: 'recorded', width: 20 }, { header: '说明', key: 'note', width: 30 },
  ])
  for (const f of files) {
    for (const e of f.events) {
      ws.addRow({
        code: f.code, on: e.on, type: label(EVENT_TYPE, e.type), action: label(ACTION, e.action), what: describe(e),
        actor: actorLabel(e.actor, e.actor_name), recorded: e.recorded_at ? beijingTime(e.recorded_at) : '', note: e.note ?? '',
      })
    }
  }
  wrap(ws)
}

/** One parcel: its card, then its file. */
export async function parcelWorkbook(card: Json, file: Json): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'OneMap'
  const ws = wb.addWorksheet('宗地卡片')
  header(ws, [{ header: '项目', key: 'k', width: 22 }, { header: `宗地 ${card.properties.code}`, key: 'v', width: 90 }])
  for (const [k, v] of cardRows(card)) ws.addRow({ k, v: show(v) })
  wrap(ws)
  printable(ws, `一宗一卡 宗地 ${card.properties.code}`)
  const fs = wb.addWorksheet('宗地档案')
  addFile(fs, [{ code: card.properties.code, events: file.events }], false)
  printable(fs, `一地一档 宗地 ${card.properties.code}`)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** A filtered list: one row per parcel, then the files of all of them. */
export async function listWorkbook(cards: Json[], files: { code: string; events: Json[] }[], title: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'OneMap'
  const ws = wb.addWorksheet('宗地一览')
  const sensitive = cards.some((c) => 'figures' in c.properties)
  header(ws, [
    { header: '宗地编号', key: 'code', width: 16 }, { header: '区县', key: 'county', width: 10 }, { header: '集聚区', key: 'cluster', width: 18 },
    { header: '用途', key: 'use', width: 12 }, { header: '阶段', key: 'stage', width: 10 },
    { header: '面积(m²)', key: 'm2', width: 12 }, { header: '面积(亩)', key: 'mu', width: 10 },
    { header: '权利人', key: 'owner', width: 28 },
    { header: '土地使用权人', key: 'user', width: 28 }, { header: '合同编号', key: 'contract', width: 20 },
    { header: '约定动工', key: 'agreed', width: 12 }, { header: '实际动工', key: 'started', width: 12 },
    { header: '竣工', key: 'completed', width: 12 }, { header: '未结预警', key: 'alerts', width: 8 },
    { header: '台账（未完成）', key: 'ledger', width: 30 }, { header: '逾期', key: 'overdue', width: 6 },
    ...(sensitive ? [{ header: '最新年度', key: 'year', width: 8 }, { header: '纳税(万元)', key: 'tax', width: 12 }, { header: '产值(万元)', key: 'output', width: 12 }] : []),
  ])
  for (const card of cards) {
    const p = card.properties
    const current = p.contracts?.find((c: Json) => c.current) ?? null
    const open = (p.ledger ?? []).filter((l: Json) => !l.completed_on)
    const own = (p.figures ?? []).find((f: Json) => f.relation === 'land_user')
    ws.addRow({
      code: p.code, county: p.county_name, cluster: p.cluster_name ?? p.cluster_code, use: p.land_use, stage: label(STAGE, p.stage),
      m2: p.area_m2, mu: p.area_mu, owner: p.owner_name ?? '', user: p.land_user?.name ?? '', contract: current?.contract_no ?? '',
      agreed: current?.agreed_start_on ?? '', started: p.development?.started_on ?? '', completed: p.development?.completed_on ?? '',
      alerts: (p.alerts ?? []).length, ledger: open.map((l: Json) => `${l.measure}（${l.deadline}）`).join('；'),
      overdue: open.some((l: Json) => l.overdue) ? '是' : '',
      ...(sensitive ? { year: own?.year ?? '', tax: own?.tax_paid_wan ?? '', output: own?.output_wan ?? '' } : {}),
    })
  }
  ws.getColumn('m2').numFmt = '#,##0.00'
  ws.getColumn('mu').numFmt = '#,##0.0000'
  wrap(ws)
  printable(ws, title)
  const fs = wb.addWorksheet('宗地档案')
  addFile(fs, files, true)
  printable(fs, `${title} 档案`)
  return Buffer.from(await wb.xlsx.writeBuffer())
}
