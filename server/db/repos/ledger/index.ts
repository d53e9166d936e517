/** The disposal ledger (工作台账, annex 3 art. 6): per parcel the measures decided ("一地一策"),
 * their deadline, responsible unit, progress and completion; overdue entries say so. County scope
 * in SQL through the parcel; edits with optimistic concurrency, in one transaction with the actor. */
import type { ColumnSet, IDatabase, IMain } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { setActor, type Writer } from '../../actor'
import { HttpError } from '../../../errors'
import { invalidField, LAND_MESSAGES, landNotFound, versionConflict, versionFor, type IfMatch } from '../../../schemas/common'
import type { LedgerCreate, LedgerPatch } from '../../../schemas/ledger'
import type { Versioned } from '../parcels'
import type { ReadViewer as Viewer } from '../../viewer'

const sql = sqlLoader(import.meta.url)
const ENTRIES = sql('entries.sql')
const ENTRY = sql('entry.sql')
const ALL = sql('all.sql')
const INSERT = sql('insert.sql')
const LOCK = sql('lock.sql')
const UPDATE = sql('update.sql')
const PARCEL = sql('parcel.sql')

export interface LedgerFilter {
  county: string[] | null
  cluster: string[] | null
  measure: string[] | null
  open: boolean | null
  overdue: boolean | null
  limit: number
  offset: number
}

let columns: ColumnSet | null = null
function columnsOf(pgp: IMain): ColumnSet {
  const skip = (c: { exists: boolean }) => !c.exists
  columns ??= new pgp.helpers.ColumnSet([
    { name: 'measure', skip }, { name: 'cause', skip }, { name: 'deadline', cast: 'date', skip },
    { name: 'responsible_unit', skip }, { name: 'progress', skip }, { name: 'completed_on', cast: 'date', skip },
  ], { table: 'disposal_ledger' })
  return columns
}

export class LedgerRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  /** A parcel's ledger, or null when the parcel is missing or out of scope. */
  async ofParcel(code: string, viewer: Viewer): Promise<string | null> {
    const row = await this.db.oneOrNone(ENTRIES, { code, scope: viewer.scope })
    return row?.ledger ?? null
  }

  async list(f: LedgerFilter, viewer: Viewer): Promise<string> {
    return (await this.db.one(ALL, { scope: viewer.scope, ...f })).page
  }

  async add(code: string, viewer: Viewer, body: LedgerCreate, actor: Writer): Promise<Versioned> {
    return this.db.tx('ledger-add', async (t) => {
      await setActor(t, actor, body.note)
      const parcel = await t.oneOrNone(PARCEL, { code, scope: viewer.scope })
      if (!parcel) throw landNotFound('parcel', code)
      const { id } = await t.one(INSERT, {
        parcelId: parcel.id, countyCode: parcel.county_code, measure: body.measure, cause: body.cause ?? null,
        deadline: body.deadline, responsible_unit: body.responsible_unit, progress: body.progress ?? null,
      })
      const row = await t.one(ENTRY, { id })
      return { version: row.version, json: row.entry }
    })
  }

  async patch(code: string, id: number, viewer: Viewer, ifMatch: IfMatch, patch: LedgerPatch, actor: Writer): Promise<Versioned> {
    const { note, ...fields } = patch
    if (Object.keys(fields).length === 0) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.emptyEdit)
    return this.db.tx('ledger-patch', async (t) => {
      await setActor(t, actor, note)
      const cur = await t.oneOrNone(LOCK, { code, id, scope: viewer.scope })
      if (!cur) throw landNotFound('ledgerEntry', `${code}/${id}`)
      const expected = versionFor(ifMatch, cur.version)
      if (cur.version !== expected) {
        const current = await t.one(ENTRY, { id })
        throw versionConflict('台账记录 ledger entry', String(id), expected, { version: current.version, state: JSON.parse(current.entry) })
      }
      if (fields.completed_on && fields.completed_on > cur.today) {
        throw invalidField('completed_on', `完成日期 ${fields.completed_on} 晚于今天 ${cur.today} / ${fields.completed_on} is after today`)
      }
      await t.one(UPDATE, { sets: this.pgp.helpers.sets(fields, columnsOf(this.pgp)), id, expected })
      const row = await t.one(ENTRY, { id })
      return { version: row.version, json: row.entry }
    })
  }
}
