/** Supply contracts (供地: 出让合同 or 划拨决定书) with their indicators (annex 2 "3+N+1", annex 3
 * art. 2(3)). County scope in SQL; the price only for sensitive roles; edits with optimistic
 * concurrency, each in one transaction with its actor, so the event log keeps the old values. */
import type { ColumnSet, IDatabase, IMain, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { guardSensitiveWrite, setActor, type Writer } from '../../actor'
import { HttpError } from '../../../errors'
import { checkDateOrder, invalidField, LAND_MESSAGES, landNotFound, versionConflict, versionFor, type IfMatch, type Page } from '../../../schemas/common'
import type { ContractCreate, ContractPatch } from '../../../schemas/contract'
import type { Versioned } from '../parcels'
import type { ReadViewer as Viewer } from '../../viewer'

export const CONTRACT_MESSAGES = {
  termTooLong: (years: number, max: number) => `出让年限 ${years} 年超过 ${max} 年，须为经市、县认定的重大产业项目或战略性新兴产业项目（major_project），最高 50 年 / a term of ${years} years needs a recognised major or strategic project (major_project): at most 20 years otherwise, 50 with it (annex 2 art. 9)`,
} as const

const sql = sqlLoader(import.meta.url)
const VIEW = sql('view.sql')
const SEARCH = sql('search.sql')
const LOCK = sql('lock.sql')
const UPDATE = sql('update.sql')
const INSERT = sql('insert.sql')
const BUMP = sql('bump.sql')
const INDICATORS = sql('indicators-replace.sql')

export interface ContractSearch {
  county: string[] | null
  cluster: string[] | null
  tokens: string[] | null
  supplyMethod: string | null
  standardLand: boolean | null
  inForce: boolean | null
  signedFrom: string | null
  signedTo: string | null
  page: Page
}

type Conn = IDatabase<unknown> | ITask<unknown>

/** DOMAIN.md life cycle 2: signed, then the agreed start, then the agreed completion; a termination
 * comes after the signing. */
const DATE_ORDER = [
  ['signed_on', 'agreed_start_on'],
  ['agreed_start_on', 'agreed_completion_on'],
  ['signed_on', 'agreed_completion_on'],
  ['signed_on', 'terminated_on'],
] as const

let columns: ColumnSet | null = null
function columnsOf(pgp: IMain): ColumnSet {
  const skip = (c: { exists: boolean }) => !c.exists
  columns ??= new pgp.helpers.ColumnSet([
    'supply_method', 'land_user_code', 'land_use', { name: 'signed_on', cast: 'date' }, 'price_wan',
    { name: 'agreed_start_on', cast: 'date' }, { name: 'agreed_completion_on', cast: 'date' },
    'total_investment_wan', 'planned_floor_area_m2', 'is_standard_land', 'term_years', 'major_project',
    { name: 'terminated_on', cast: 'date' },
  ].map((c) => (typeof c === 'string' ? { name: c, skip } : { ...c, skip })), { table: 'supply_contract' })
  return columns
}

export class ContractsRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  async view(no: string, viewer: Viewer, conn: Conn = this.db): Promise<Versioned | null> {
    const row = await conn.oneOrNone(VIEW, { no, scope: viewer.scope, sensitive: viewer.sensitive })
    return row ? { version: row.version, json: row.contract } : null
  }

  async search(s: ContractSearch, viewer: Viewer): Promise<string> {
    const row = await this.db.one(SEARCH, {
      scope: viewer.scope, sensitive: viewer.sensitive, county: s.county, cluster: s.cluster, tokens: s.tokens,
      supplyMethod: s.supplyMethod, standardLand: s.standardLand, inForce: s.inForce,
      signedFrom: s.signedFrom, signedTo: s.signedTo,
      after: s.page.after, limit: s.page.limit, offset: s.page.offset, countLimit: s.page.countLimit,
    })
    return row.page
  }

  async patch(no: string, viewer: Viewer, ifMatch: IfMatch, patch: ContractPatch, actor: Writer): Promise<Versioned> {
    const { note, indicators, ...fields } = patch
    if (Object.keys(fields).length === 0 && indicators === undefined) {
      throw new HttpError(400, 'invalid_request', LAND_MESSAGES.emptyEdit)
    }
    return this.db.tx('contract-patch', async (t) => {
      await setActor(t, actor, note)
      await guardSensitiveWrite(t, fields)
      const cur = await t.oneOrNone(LOCK, { no, scope: viewer.scope })
      if (!cur) throw landNotFound('contract', no)
      const expected = versionFor(ifMatch, cur.version)
      if (cur.version !== expected) {
        const current = (await this.view(no, viewer, t))!
        throw versionConflict('供地合同 contract', no, expected, { version: current.version, state: JSON.parse(current.json) })
      }
      await this.checkTerms(t, { ...cur, ...fields }, fields, indicators)
      if (Object.keys(fields).length) {
        await t.one(UPDATE, { sets: this.pgp.helpers.sets(fields, columnsOf(this.pgp)), id: cur.id, expected })
      } else {
        // indicators only: the contract's version still moves, so that a concurrent edit sees it
        await t.one(BUMP, { id: cur.id, expected })
      }
      if (indicators) await t.one(INDICATORS, { id: cur.id, indicators: JSON.stringify(indicators) })
      return (await this.view(no, viewer, t))!
    })
  }

  /** Records the supply of a parcel in the caller's scope. */
  async create(body: ContractCreate, viewer: Viewer, actor: Writer): Promise<Versioned> {
    const { indicators, note, parcel_code, ...fields } = body
    return this.db.tx('contract-create', async (t) => {
      await setActor(t, actor, note)
      await guardSensitiveWrite(t, fields, { dropNulls: true })
      const parcel = await t.oneOrNone(
        `SELECT id, county_code, retired_at FROM parcel
          WHERE code = $<code> AND ($<scope>::text[] IS NULL OR county_code = ANY($<scope>::text[])) FOR UPDATE`,
        { code: parcel_code, scope: viewer.scope })
      if (!parcel) throw invalidField('parcel_code', `没有宗地 ${parcel_code} / no parcel ${parcel_code}`)
      if (parcel.retired_at) throw new HttpError(409, 'retired', LAND_MESSAGES.retired(parcel_code))
      const taken = await t.oneOrNone('SELECT 1 FROM supply_contract WHERE contract_no = $1', [fields.contract_no])
      if (taken) throw new HttpError(409, 'duplicate', `合同编号 ${fields.contract_no} 已存在 / contract ${fields.contract_no} exists`, { field: 'contract_no' })
      await this.checkTerms(t, fields, fields, indicators)
      const row = await t.one(INSERT, {
        land_user_code: null, land_use: null, price_wan: null, agreed_start_on: null, agreed_completion_on: null,
        total_investment_wan: null, planned_floor_area_m2: null, is_standard_land: false, term_years: null, major_project: false,
        ...fields, parcelId: parcel.id, countyCode: parcel.county_code,
      })
      if (indicators) await t.one(INDICATORS, { id: row.id, indicators: JSON.stringify(indicators) })
      return (await this.view(fields.contract_no, viewer, t))!
    })
  }

  /** The terms of a contract as they will be after the edit. */
  private async checkTerms(t: ITask<unknown>, merged: Record<string, unknown>, sent: Record<string, unknown>,
    indicators: ContractPatch['indicators']): Promise<void> {
    checkDateOrder(merged, sent, DATE_ORDER)
    // "1" of 3+N+1 (DOMAIN.md "Standard land"; annex 2 art. 9): the rule is analysis.standard_land_max_term()
    if (typeof merged.term_years === 'number') {
      const { max } = await t.one('SELECT analysis.standard_land_max_term($1) AS max', [merged.major_project === true])
      if (merged.term_years > max) throw invalidField('term_years', CONTRACT_MESSAGES.termTooLong(merged.term_years, max))
    }
    if (typeof sent.land_user_code === 'string') {
      const found = await t.oneOrNone('SELECT 1 FROM enterprise WHERE credit_code = $1', [sent.land_user_code])
      if (!found) throw invalidField('land_user_code', `没有统一社会信用代码为 ${sent.land_user_code} 的企业 / no enterprise ${sent.land_user_code}`)
    }
    if (indicators) {
      const names = indicators.map((i) => i.indicator)
      const twice = names.find((n, i) => names.indexOf(n) !== i)
      if (twice) throw invalidField('indicators', `指标 ${twice} 重复 / indicator ${twice} appears twice`)
    }
  }
}
