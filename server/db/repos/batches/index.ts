/** Approval batches (批次, 农用地转用/土地征收): search, one batch with the parcels on it, edits
 * with optimistic concurrency. County scope in SQL; every edit in one transaction with its actor. */
import type { ColumnSet, IDatabase, IMain, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { setActor, type Writer } from '../../actor'
import { HttpError } from '../../../errors'
import { invalidField, LAND_MESSAGES, landNotFound, versionConflict, versionFor, type Bbox, type IfMatch, type Page } from '../../../schemas/common'
import type { BatchPatch } from '../../../schemas/batch'
import { GEOMETRY_PROBLEMS, isGeometryError, type Versioned } from '../parcels'
import type { ReadViewer as Viewer } from '../../viewer'

const sql = sqlLoader(import.meta.url)
const SEARCH = sql('search.sql')
const VIEW = sql('view.sql')
const LOCK = sql('lock.sql')
const CHECK_EDIT = sql('check-edit.sql')
const UPDATE = sql('update.sql')

export interface BatchSearch {
  county: string[] | null
  cluster: string[] | null
  tokens: string[] | null
  bbox: Bbox
  approvedFrom: string | null
  approvedTo: string | null
  page: Page
}

type Conn = IDatabase<unknown> | ITask<unknown>

let columns: ColumnSet | null = null
function columnsOf(pgp: IMain): ColumnSet {
  const skip = (c: { exists: boolean }) => !c.exists
  columns ??= new pgp.helpers.ColumnSet([
    { name: 'name', skip },
    { name: 'cluster_code', skip },
    { name: 'approved_on', cast: 'date', skip },
    {
      name: 'geom', prop: 'geometry', mod: ':raw', skip,
      init: (c: { value: unknown }) => pgp.as.format('ST_Multi(ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON($1), 4490)))', [JSON.stringify(c.value)]),
    },
  ], { table: 'approval_batch' })
  return columns
}

export class BatchesRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  async search(s: BatchSearch, viewer: Viewer): Promise<string> {
    const row = await this.db.one(SEARCH, {
      scope: viewer.scope, county: s.county, cluster: s.cluster, tokens: s.tokens, ...s.bbox,
      approvedFrom: s.approvedFrom, approvedTo: s.approvedTo,
      after: s.page.after, limit: s.page.limit, offset: s.page.offset, countLimit: s.page.countLimit,
    })
    return row.collection
  }

  async view(no: string, viewer: Viewer, conn: Conn = this.db): Promise<Versioned | null> {
    const row = await conn.oneOrNone(VIEW, { no, scope: viewer.scope })
    return row ? { version: row.version, json: row.batch } : null
  }

  async patch(no: string, viewer: Viewer, ifMatch: IfMatch, patch: BatchPatch, actor: Writer): Promise<Versioned> {
    const { note, ...fields } = patch
    if (Object.keys(fields).length === 0) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.emptyEdit)
    return this.db.tx('batch-patch', async (t) => {
      await setActor(t, actor, note)
      const cur = await t.oneOrNone(LOCK, { no, scope: viewer.scope })
      if (!cur) throw landNotFound('batch', no)
      const expected = versionFor(ifMatch, cur.version)
      if (cur.version !== expected) {
        const current = (await this.view(no, viewer, t))!
        throw versionConflict('批次 batch', no, expected, { version: current.version, state: JSON.parse(current.json) })
      }
      const geometry = fields.geometry ? JSON.stringify(fields.geometry) : null
      let check: { geometry_problem: string | null; cluster_county: string | null; today: string }
      try {
        check = await t.one(CHECK_EDIT, { geometry, clusterCode: fields.cluster_code ?? null })
      } catch (e) {
        if (geometry && isGeometryError(e)) throw invalidField('geometry', e.message)
        throw e
      }
      if (check.geometry_problem) throw invalidField('geometry', GEOMETRY_PROBLEMS[check.geometry_problem] ?? check.geometry_problem)
      if (fields.cluster_code && check.cluster_county !== cur.county_code) {
        throw invalidField('cluster_code', `集聚区 ${fields.cluster_code} 不存在或不在 ${cur.county_code} / no cluster ${fields.cluster_code} in county ${cur.county_code}`)
      }
      if (fields.approved_on && fields.approved_on > check.today) {
        throw invalidField('approved_on', `批准日期 ${fields.approved_on} 晚于今天 / ${fields.approved_on} is after today`)
      }
      await t.one(UPDATE, { sets: this.pgp.helpers.sets(fields, columnsOf(this.pgp)), id: cur.id, expected })
      return (await this.view(no, viewer, t))!
    })
  }
}
