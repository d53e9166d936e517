/** The one source of labels: every code the database allows in a column users see has a Chinese
 * label (read from the schema's own CHECK constraints, so a new code added by a migration without
 * a label fails here), and the words for times, people, indicators and alert reasons read as the
 * bureau writes them (values worked out by hand below). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../test/db'
import { CODE_LABELS, classificationLabel, label, type CodeDomain } from './codes'
import { uploadLayerNames } from '../db/repos/uploads/layers'
import { actorLabel, alertReasonText, beijingDate, beijingTime, indicatorText, ruleText } from './words'

let db: TestDatabase
beforeAll(async () => { db = await createTestDatabase() }, 120_000)
afterAll(async () => { await db?.drop() })

/** Table.column of the schema → the labels that name its values. */
const COLUMNS: Record<string, CodeDomain> = {
  'alert.severity': 'severity', 'alert.status': 'alertStatus', 'app_user.role': 'role', 'development_event.kind': 'developmentKind',
  'governance.disclosure_item.class': 'disclosureClass', 'governance.report.kind': 'reportKind', 'parcel.stage': 'stage',
  'parcel_flag.kind': 'flagKind', 'plan_zone.zone_type': 'zoneType', 'rs_change.change_type': 'changeType',
  'supply_contract.supply_method': 'supplyMethod', 'upload.status': 'uploadStatus',
  'upload_feature.county_source': 'countySource', 'upload_issue.level': 'issueLevel', 'enterprise_year.rating': 'rating',
  'security_event.result': 'auditResult',
}

describe('every code the schema allows has a label', () => {
  it('reads the CHECK constraints and finds a Chinese label for each value', async () => {
    const rows = await db.db.any<{ t: string; d: string }>(`SELECT conrelid::regclass::text AS t, pg_get_constraintdef(oid) AS d
      FROM pg_constraint WHERE contype = 'c' AND pg_get_constraintdef(oid) ~ 'ANY \\(ARRAY\\['`)
    const seen = new Set<string>()
    for (const r of rows) {
      const m = /\(\((\w+) = ANY \(ARRAY\[(.*)\]\)\)\)/.exec(r.d)
      if (!m) continue
      const domain = COLUMNS[`${r.t}.${m[1]}`]
      if (!domain) continue
      seen.add(`${r.t}.${m[1]}`)
      const values = [...m[2]!.matchAll(/'([^']+)'::/g)].map((v) => v[1]!)
      expect(values.length).toBeGreaterThan(1)
      for (const v of values) {
        const l = label(domain, v)
        expect(l, `${r.t}.${m[1]} = ${v}`).not.toBe(v)
        expect(l, `${r.t}.${m[1]} = ${v}`).toMatch(/[\u4e00-\u9fff]/)
      }
    }
    // every column listed was found in the schema (a renamed column would silently skip the check)
    expect([...seen].sort()).toEqual(Object.keys(COLUMNS).sort())
  })

  // upload.layer has no list of values in the schema (migration 1011): the layers are the
  // registry's entries (server/db/repos/uploads/layers.ts)
  it('every upload layer of the registry has a label', () => {
    const names = uploadLayerNames()
    expect(names).toEqual(expect.arrayContaining(['parcels', 'batches', 'contracts', 'plan_zones', 'clusters', 'changes']))
    for (const n of names) expect(label('uploadLayer', n), n).toMatch(/[\u4e00-\u9fff]/)
  })

  it('the alert types the rules emit, and the finding rules, have labels', async () => {
    const types = await db.db.map(`SELECT DISTINCT (regexp_matches(pg_get_functiondef(p.oid), 'WHEN ''([a-z_]+)'' THEN', 'g'))[1] AS t
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'analysis' AND p.proname = 'alert_reason'`, [], (r) => r.t as string)
    expect(types.length).toBeGreaterThanOrEqual(5)
    for (const t of types) expect(label('alertType', t), t).not.toBe(t)
  })

  it('every county rule a report or a reason cites has a name', async () => {
    const keys = await db.db.map('SELECT DISTINCT key FROM county_rule ORDER BY key', [], (r) => r.key as string)
    expect(keys.length).toBeGreaterThan(10)
    expect(keys.filter((k) => label('rule', k) === k)).toEqual([])
  })

  it('no label is empty or an English word', () => {
    for (const [domain, table] of Object.entries(CODE_LABELS)) {
      for (const [code, l] of Object.entries(table as Record<string, string>)) {
        expect(l, `${domain}.${code}`).toMatch(/\S/)
        if (domain !== 'unit') expect(l, `${domain}.${code}`).not.toMatch(/[a-z]+_[a-z_]+/)
      }
    }
  })
})

describe('words', () => {
  it('times in 北京时间 as 2026-12-07 13:10, dates as written', () => {
    expect(beijingTime('2026-12-07T05:10:04.232+00:00')).toBe('2026-12-07 13:10')
    expect(beijingTime('2026-12-31T16:30:00Z')).toBe('2027-01-01 00:30') // past midnight in Beijing
    expect(beijingTime('2024-05-20')).toBe('2024-05-20')
    expect(beijingTime(null)).toBe('—')
    expect(beijingDate('2026-12-31T16:30:00Z')).toBe('2027-01-01')
  })

  it('people by display name; the system by what it did; never a raw id', () => {
    expect(actorLabel('user:surveyor.luolong', '洛龙测绘员')).toBe('洛龙测绘员')
    expect(actorLabel('system:demo')).toBe('系统（演示数据）')
    expect(actorLabel('system:whatever')).toBe('系统')
    expect(actorLabel(null)).toBe('系统')
  })

  it('indicators as the contract writes them', () => {
    expect(indicatorText({ indicator: 'plot_ratio', direction: 'min', value: 1.2, unit: 'ratio' })).toBe('容积率 ≥ 1.2')
    expect(indicatorText({ indicator: 'green_ratio', direction: 'max', value: 0.2, unit: 'ratio' })).toBe('绿地率 ≤ 20%')
    expect(indicatorText({ indicator: 'investment_intensity', direction: 'min', value: 300, unit: '万元/亩' })).toBe('投资强度 ≥ 300 万元/亩')
  })

  it('a rule by its name, whose, since when', () => {
    expect(ruleText({ key: 'governance_ranking', county_code: null, effective_from: '1900-01-01' })).toBe('半年评比规则（全市，默认值）')
    expect(ruleText({ key: 'idle_days', county_code: '410311', effective_from: '2024-01-01' }, () => '洛龙区')).toBe('闲置认定天数（洛龙区，2024-01-01 起）')
  })

  it("an alert's reason as a sentence, with the numbers of the facts", () => {
    const text = alertReasonText('construction_on_idle', {
      measured: { change_m2: 3600, overlap_m2: 3600, overlap_share: 1, started: false, agreed_start_on: '2023-01-01', days_since_agreed_start: 546 },
      thresholds: [{ key: 'alert_overlap_share', value: 0.1 }, { key: 'alert_overlap_m2', value: 200 }],
    })
    expect(text).toBe('变化图斑 3,600 m²，与宗地重叠 3,600 m²（占 100%）；达到预警线：占比 ≥ 10% 或面积 ≥ 200 m²；约定动工日期 2023-01-01 后 546 天无动工记录')
    expect(text).not.toMatch(/[a-z]+_[a-z_]+|>=/)
  })

  it('classification badges', () => {
    expect(classificationLabel({ classification: 'inefficient', type: 2 })).toBe('低效·停建缓建')
    expect(classificationLabel({ classification: 'idle', stage: 2 })).toBe('闲置（满两年）')
    expect(label('parcelKey', 'idle_2')).toBe('闲置（满两年）')
    expect(label('stage', null)).toBe('—')
  })
})
