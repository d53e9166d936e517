/** The administrator's writes that used to need a database client: county rule versions, official
 * flags (低效 types 1 and 6), leases, and enterprise records (create, merge). Each goes through
 * setActor (the event log names who, 一地一档) and is scoped by the writer's counties: a record
 * outside them answers like a missing one. */
import type { IDatabase, IMain, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { actorName, guardSensitiveWrite, setActor, type Writer } from '../../actor'
import { HttpError } from '../../../errors'
import { invalidField, landNotFound } from '../../../schemas/common'
import type { Viewer } from '../../viewer'

const sql = sqlLoader(import.meta.url)
const RULES_LIST = sql('rules-list.sql')
const RULE_INSERT = sql('rule-insert.sql')
const RULE_KNOWN = sql('rule-known.sql')
const PARCEL_LOCK = sql('parcel-lock.sql')
const FLAG_INSERT = sql('flag-insert.sql')
const FLAG_LOCK = sql('flag-lock.sql')
const FLAG_CLEAR = sql('flag-clear.sql')
const FLAGS = sql('flags.sql')
const LEASE_INSERT = sql('lease-insert.sql')
const LEASE_LOCK = sql('lease-lock.sql')
const LEASE_END = sql('lease-end.sql')
const LEASES = sql('leases.sql')
const ENTERPRISE_KNOWN = sql('enterprise-known.sql')
const ENTERPRISE_INSERT = sql('enterprise-insert.sql')
const ENTERPRISE_MERGE = sql('enterprise-merge.sql')
const MERGE_LOCK = sql('merge-lock.sql')
const MERGE_JOINED = sql('merge-joined.sql')
const MERGE_MOVE = sql('merge-move.sql')
const MERGE_FINISH = sql('merge-finish.sql')
const ALIAS_OF = sql('alias-of.sql')

export const ADMIN_MESSAGES = {
  ruleExists: (key: string, from: string) =>
    `规则 ${key} 在 ${from} 已有版本；已生效的版本不能修改，请以新的生效日期新增版本 / rule ${key} already has a version from ${from}: versions are never edited, add one with another date`,
  unknownRule: (key: string) => `没有规则 ${key} / no county rule ${key}`,
  unknownCounty: (code: string) => `没有区县 ${code} / no county ${code}`,
  outOfScope: (code: string) => `区县 ${code} 不在您的管辖范围 / county ${code} is outside your counties`,
  cityOnly: '全市默认规则仅市级管理员可设置 / only a city-level administrator may set a city-wide rule',
  flagCleared: (id: number, on: string) => `该标记已于 ${on} 解除 / flag ${id} was already cleared on ${on}`,
  noFlag: (id: number) => `未找到标记 ${id} / no such flag on this parcel`,
  noLease: (id: number) => `未找到租赁 ${id} / no such lease on this parcel`,
  leaseEnded: (id: number, on: string) => `该租赁已于 ${on} 结束 / lease ${id} already ended on ${on}`,
  beforeStart: (field: string, on: string) => `${field} 不能早于 ${on} / ${field} cannot be before ${on}`,
  noEnterprise: (code: string) => `未找到企业 ${code} / no such enterprise ${code}`,
  enterpriseExists: (code: string) => `企业 ${code} 已登记（或为已合并企业的原代码）/ enterprise ${code} is already recorded (or is the old code of a merged one)`,
  mergeSelf: '不能将企业合并到其自身 / an enterprise cannot be merged into itself',
  mergeLease: '两家企业之间有租赁关系，合并后出租人与承租人相同，请先结束或更正该租赁 / a lease joins the two records: end or correct it first',
} as const

export interface RuleVersionInput { county: string | null; key: string; value: unknown; from: string; note: string }
export interface FlagInput { kind: 'industry_transition' | 'other'; docNo: string; setOn: string; reason: string }
export interface FlagClear { clearedOn: string; docNo: string; reason: string }
export interface LeaseInput { landholder: string; tenant: string; startsOn: string; endsOn: string | null; areaM2: number | null; docNo: string | null; note: string | null }
export interface EnterpriseInput {
  credit_code: string; name: string; county_code: string; industry?: string | null; above_scale?: boolean
  intelligent_retrofit?: boolean; legal_person?: string | null; contact_phone?: string | null; note?: string
}

/** Rows as PostGIS built them (jsonb); the route's response schema says their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonRows = any[]

const inScope = (scope: string[] | null, county: string) => scope === null || scope.includes(county)

export class AdminRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  /** Every rule with its versions: city-wide rows and the caller's counties. */
  async rules(viewer: Viewer, key: string | null = null): Promise<JsonRows> {
    return (await this.db.one(RULES_LIST, { scope: viewer.scope, key, today: viewer.today })).rules
  }

  /** A new version of a rule (DOMAIN.md: every threshold per county, versioned, with an effective
   * date): an insert only; a version already there for that owner and date is never overwritten. */
  async addRuleVersion(r: RuleVersionInput, viewer: Viewer): Promise<JsonRows[number]> {
    if (r.county === null && viewer.scope !== null) throw new HttpError(403, 'forbidden', ADMIN_MESSAGES.cityOnly)
    if (r.county !== null && !inScope(viewer.scope, r.county)) throw new HttpError(403, 'forbidden', ADMIN_MESSAGES.outOfScope(r.county))
    return this.db.tx('rule-version', async (t) => {
      await setActor(t, viewer, r.note)
      const known = await t.one(RULE_KNOWN, { key: r.key, county: r.county })
      if (!known.known) throw new HttpError(404, 'not_found', ADMIN_MESSAGES.unknownRule(r.key))
      if (!known.county_known) throw invalidField('county', ADMIN_MESSAGES.unknownCounty(r.county!))
      const row = await t.oneOrNone(RULE_INSERT, { ...r, value: JSON.stringify(r.value) })
      if (!row) throw new HttpError(409, 'conflict', ADMIN_MESSAGES.ruleExists(r.key, r.from))
      return row
    })
  }

  private async parcel(t: ITask<unknown>, code: string, viewer: Viewer): Promise<{ id: number; county_code: string }> {
    const p = await t.oneOrNone(PARCEL_LOCK, { code, scope: viewer.scope })
    if (!p) throw landNotFound('parcel', code)
    return p
  }

  async flags(code: string, viewer: Viewer): Promise<JsonRows | null> {
    const row = await this.db.oneOrNone(FLAGS, { code, scope: viewer.scope })
    return row ? row.flags : null
  }

  /** Sets an official flag (annex 3 art. 2(1) 产业转型, 2(6) 其他) from the date of its document. */
  async setFlag(code: string, f: FlagInput, writer: Writer & Viewer): Promise<JsonRows> {
    return this.db.tx('flag-set', async (t) => {
      await setActor(t, writer, `${f.docNo}：${f.reason}`)
      const p = await this.parcel(t, code, writer)
      await t.one(FLAG_INSERT, { parcelId: p.id, county: p.county_code, kind: f.kind, reason: f.reason, actor: actorName(writer), setOn: f.setOn, docNo: f.docNo })
      return (await t.one(FLAGS, { code, scope: writer.scope })).flags
    })
  }

  /** Clears a flag from a date (the flag and its dates stay: the past reproduces). */
  async clearFlag(code: string, id: number, c: FlagClear, writer: Writer & Viewer): Promise<JsonRows> {
    return this.db.tx('flag-clear', async (t) => {
      await setActor(t, writer, `${c.docNo}：${c.reason}`)
      const p = await this.parcel(t, code, writer)
      const f = await t.oneOrNone(FLAG_LOCK, { id, parcelId: p.id })
      if (!f) throw new HttpError(404, 'not_found', ADMIN_MESSAGES.noFlag(id))
      if (f.cleared_on !== null) throw new HttpError(409, 'conflict', ADMIN_MESSAGES.flagCleared(id, f.cleared_on))
      if (c.clearedOn < f.set_on) throw invalidField('cleared_on', ADMIN_MESSAGES.beforeStart('cleared_on', f.set_on))
      await t.none(FLAG_CLEAR, { id, clearedOn: c.clearedOn, docNo: c.docNo, reason: c.reason, actor: actorName(writer) })
      return (await t.one(FLAGS, { code, scope: writer.scope })).flags
    })
  }

  async leases(code: string, viewer: Viewer): Promise<JsonRows | null> {
    const row = await this.db.oneOrNone(LEASES, { code, scope: viewer.scope })
    return row ? row.leases : null
  }

  /** Records a lease (annex 3 art. 14: the tenant's tax and output are merged into this land). */
  async addLease(code: string, l: LeaseInput, writer: Viewer): Promise<JsonRows> {
    if (l.landholder === l.tenant) throw invalidField('tenant_code', '出租人与承租人不能相同 / the landholder cannot lease to itself')
    if (l.endsOn !== null && l.endsOn < l.startsOn) throw invalidField('ends_on', ADMIN_MESSAGES.beforeStart('ends_on', l.startsOn))
    return this.db.tx('lease-add', async (t) => {
      await setActor(t, writer, l.note ?? l.docNo ?? undefined)
      const p = await this.parcel(t, code, writer)
      const known = await t.any(ENTERPRISE_KNOWN, { codes: [l.landholder, l.tenant] })
      const resolved = new Map(known.map((k: { asked: string; credit_code: string | null }) => [k.asked, k.credit_code]))
      for (const [field, c] of [['landholder_code', l.landholder], ['tenant_code', l.tenant]] as const) {
        if (!resolved.get(c)) throw invalidField(field, ADMIN_MESSAGES.noEnterprise(c))
      }
      await t.one(LEASE_INSERT, { parcelId: p.id, county: p.county_code, ...l, landholder: resolved.get(l.landholder), tenant: resolved.get(l.tenant) })
      return (await t.one(LEASES, { code, scope: writer.scope })).leases
    })
  }

  async endLease(code: string, id: number, endsOn: string, note: string | null, writer: Viewer): Promise<JsonRows> {
    return this.db.tx('lease-end', async (t) => {
      await setActor(t, writer, note ?? undefined)
      const p = await this.parcel(t, code, writer)
      const l = await t.oneOrNone(LEASE_LOCK, { id, parcelId: p.id })
      if (!l) throw new HttpError(404, 'not_found', ADMIN_MESSAGES.noLease(id))
      if (l.ends_on !== null && l.ends_on < writer.today) throw new HttpError(409, 'conflict', ADMIN_MESSAGES.leaseEnded(id, l.ends_on))
      if (endsOn < l.starts_on) throw invalidField('ends_on', ADMIN_MESSAGES.beforeStart('ends_on', l.starts_on))
      await t.none(LEASE_END, { id, endsOn, note })
      return (await t.one(LEASES, { code, scope: writer.scope })).leases
    })
  }

  /** The code an old (merged) credit code now belongs to, or null. */
  async aliasOf(code: string): Promise<string | null> {
    return (await this.db.oneOrNone(ALIAS_OF, { code }))?.credit_code ?? null
  }

  /** Records an enterprise; the code's check digit is checked by the route (GB 32100-2015). */
  async createEnterprise(e: EnterpriseInput, writer: Viewer): Promise<string> {
    if (!inScope(writer.scope, e.county_code)) throw new HttpError(403, 'forbidden', ADMIN_MESSAGES.outOfScope(e.county_code))
    return this.db.tx('enterprise-create', async (t) => {
      await setActor(t, writer, e.note)
      await guardSensitiveWrite(t, { legal_person: e.legal_person, contact_phone: e.contact_phone }, { dropNulls: true })
      const row = await t.oneOrNone(ENTERPRISE_INSERT, {
        creditCode: e.credit_code, name: e.name, county: e.county_code, industry: e.industry ?? null,
        aboveScale: e.above_scale ?? false, intelligentRetrofit: e.intelligent_retrofit ?? false,
        legalPerson: e.legal_person ?? null, contactPhone: e.contact_phone ?? null,
      })
      if (!row) throw new HttpError(409, 'conflict', ADMIN_MESSAGES.enterpriseExists(e.credit_code))
      return row.credit_code
    })
  }

  /** Merges two records of one company: `from`'s yearly figures (summed into a year both have),
   * contracts, leases and aliases move to `into`; `from` stays as an alias (一地一档: nothing lost). */
  async mergeEnterprises(into: string, from: string, note: string, writer: Viewer): Promise<{ figures: number; contracts: number; leases: number }> {
    if (into === from) throw invalidField('from', ADMIN_MESSAGES.mergeSelf)
    return this.db.tx('enterprise-merge', async (t) => {
      await setActor(t, writer, note)
      const rows: { credit_code: string; name: string; county_code: string; has_figures: boolean }[] = await t.any(MERGE_LOCK, { into, from })
      for (const c of [into, from]) {
        const r = rows.find((x) => x.credit_code === c)
        if (!r || !inScope(writer.scope, r.county_code)) throw landNotFound('enterprise', c)
      }
      const old = rows.find((x) => x.credit_code === from)!
      // the merge writes the old record's tax and output under the new code: the write guard decides
      if (old.has_figures) await guardSensitiveWrite(t, { tax_paid_wan: 0 })
      if ((await t.one(MERGE_JOINED, { into, from })).joined) throw new HttpError(409, 'conflict', ADMIN_MESSAGES.mergeLease)
      const { figures } = await t.one(ENTERPRISE_MERGE, { into, from })
      const { contracts, leases } = await t.one(MERGE_MOVE, { into, from })
      await t.one(MERGE_FINISH, { into, from, name: old.name, actor: actorName(writer), note })
      return { figures, contracts, leases }
    })
  }
}
