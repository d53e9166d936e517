/** Parcels (宗地): the card (一宗一卡), the file (一地一档), search, and edits with optimistic
 * concurrency. Every read and write takes the caller's county scope and applies it in SQL, so that
 * a parcel outside the scope is indistinguishable from a missing one; sensitive values (tax,
 * output, price) are removed in SQL for roles outside sensitiveRoles. Every write runs in one
 * transaction that first names its actor, so the event-log trigger records who, with the old and
 * the new values, or nothing at all when the transaction rolls back. */
import type { IDatabase, IMain, ITask } from 'pg-promise'
import pgPromise, { type ColumnSet } from 'pg-promise'
import { preparedRow, preparedShape, preparedText, sqlLoader, type Prepared } from '../../sql'
import { guardSensitiveWrite, setActor, type Writer } from '../../actor'
import { redacted } from '../../redact'
import type { ReadViewer as Viewer } from '../../viewer'
import { HttpError } from '../../../errors'
import { invalidField, LAND_MESSAGES, landNotFound, versionConflict, versionFor, type Bbox, type IfMatch, type Page } from '../../../schemas/common'
import type { DevelopmentEventCreate, DevelopmentEventPatch, ParcelPatch } from '../../../schemas/parcel'

/** A GeoJSON Feature built by PostGIS. */
export interface Feature { type: 'Feature'; id: string; geometry: unknown; properties: Record<string, unknown> }

const sql = sqlLoader(import.meta.url)
const CARD = sql('card.sql')
/** The card as a named prepared statement: parsed and planned once per connection instead of at
 * every request (planning was ~0.7 ms of a ~2 ms card). Its generic plan finds the parcel by the
 * unique code index whatever the values, so PostgreSQL's switch to it after five runs keeps it
 * fast (the parcels bench times varied codes and both viewers). */
const CARD_PREPARED = { name: 'parcel-card', text: preparedText(CARD, ['code', 'scope', 'sensitive']) }
const FILTER = sql('filter.sql')
const SEARCH = sql('search.sql')
/** The search page with its filter spliced in, named parameters left for preparedShape. */
const SEARCH_TEXT = pgPromise.as.format(SEARCH).split('${filter:raw}').join(`(${pgPromise.as.format(FILTER)})`)
const HISTORY = sql('history.sql')
const LOCK = sql('lock.sql')
const CHECK_EDIT = sql('check-edit.sql')
const UPDATE = sql('update.sql')
const RETIRE = sql('retire.sql')
const DEV_DATES = sql('development-dates.sql')
const DEV_INSERT = sql('development-insert.sql')
const DEV_LOCK = sql('development-lock.sql')
const DEV_UPDATE = sql('development-update.sql')


/** A JSON document built by PostGIS, passed to the client as it is, with the row version (ETag). */
export interface Versioned { version: number; json: string }

export interface ParcelSearch {
  county: string[] | null
  cluster: string[] | null
  status: string[] | null
  /** Classifications of the analysis engine (idle, inefficient, used_before_supply, conformity). */
  kind: string[] | null
  tokens: string[] | null
  bbox: Bbox
  includeRetired: boolean
  page: Page
}

/** A stated area may differ this much (relative) from the ellipsoidal area of the geometry before
 * the edit is refused as contradictory; a county overrides it with the county_rule
 * `parcel.stated_area_tolerance` (DOMAIN.md: thresholds are data, per county). */
export const DEFAULT_STATED_AREA_TOLERANCE = 0.05

type Conn = IDatabase<unknown> | ITask<unknown>

const PARCEL = '宗地 parcel'
const DEVELOPMENT_EVENT = '开发事件 development event'

interface ColumnSets { parcel: ColumnSet; development: ColumnSet }
let columnSets: ColumnSets | null = null

/** The editable columns, and nothing else: identifiers come only from these lists. */
function columnsOf(pgp: IMain): ColumnSets {
  if (columnSets) return columnSets
  const skip = (c: { exists: boolean }) => !c.exists
  const geometry = (c: { value: unknown }) =>
    pgp.as.format('ST_Multi(ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON($1), 4490)))', [JSON.stringify(c.value)])
  const json = (c: { value: unknown }) => (c.value === null ? null : JSON.stringify(c.value))
  columnSets = {
    parcel: new pgp.helpers.ColumnSet([
      { name: 'cluster_code', skip },
      { name: 'land_use', skip },
      { name: 'owner_name', skip },
      { name: 'stage', skip },
      { name: 'stated_area_m2', skip },
      { name: 'geom', prop: 'geometry', mod: ':raw', init: geometry, skip },
    ], { table: 'parcel' }),
    development: new pgp.helpers.ColumnSet([
      { name: 'kind', skip },
      { name: 'occurred_on', cast: 'date', skip },
      { name: 'developed_area_m2', skip },
      { name: 'invested_wan', skip },
      { name: 'measured', cast: 'jsonb', init: json, skip },
      { name: 'government_caused', skip },
      { name: 'note', skip },
    ], { table: 'development_event' }),
  }
  return columnSets
}

/** The geometry of an edit as PostGIS reads it fails: the text of its error names the problem. */
export function isGeometryError(e: unknown): e is Error {
  const code = (e as { code?: string }).code
  return e instanceof Error && (code === 'XX000' || code === '22023' || code === '22P02')
}

export const GEOMETRY_PROBLEMS: Record<string, string> = {
  empty: '几何为空 / the geometry is empty',
  outside: '几何不在市域范围内（区县界合并并按其精度外扩；应为 EPSG:4490 经纬度，而非投影坐标）/ the geometry is not inside the city\'s extent (the county boundaries, widened by their precision): send EPSG:4490 longitude/latitude, not projected metres',
}

export class ParcelsRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  /** The card as text, or null when missing or out of scope (the hot read: see preparedRow). */
  async cardText(code: string, viewer: Viewer, conn: Conn = this.db): Promise<Versioned | null> {
    const row = await preparedRow<{ version: number; card: string }>(conn, this.cardPrepared(code, viewer))
    return row ? { version: row.version, json: row.card } : null
  }

  /** The card's named prepared statement with its values (the benchmark runs it too). */
  cardPrepared(code: string, viewer: Viewer): Prepared {
    return { ...CARD_PREPARED, values: [code, viewer.scope, viewer.sensitive] }
  }

  /** The SQL text of a card, values bound (the benchmark runs it directly, without the server). */
  cardQuery(code: string, viewer: Viewer): string {
    return this.pgp.as.format(CARD, { code, scope: viewer.scope, sensitive: viewer.sensitive })
  }

  /** The file: every dated event of the parcel, or null when missing or out of scope. */
  async history(code: string, viewer: Viewer, page: { offset: number; limit: number | null } = { offset: 0, limit: null }): Promise<string | null> {
    const row = await this.db.oneOrNone(HISTORY, { code, scope: viewer.scope, sensitive: viewer.sensitive, ...page })
    return row?.file ?? null
  }

  /** One page of parcels as GeoJSON FeatureCollection text. */
  async search(s: ParcelSearch, viewer: Viewer): Promise<string> {
    const row = await preparedRow<{ collection: string }>(this.db, this.searchPrepared(s, viewer))
    if (!row) throw new Error('the parcel search answered no row')
    return row.collection
  }

  /** The search as a named prepared statement, one per shape of the request (which filters it
   * uses): see preparedShape. Same rows as searchQuery, the plan kept instead of made anew. */
  searchPrepared(s: ParcelSearch, viewer: Viewer): Prepared {
    return preparedShape('parcel-search', SEARCH_TEXT, {
      scope: viewer.scope, county: s.county, cluster: s.cluster, status: s.status, kind: s.kind,
      includeRetired: s.includeRetired, tokens: s.tokens, ...s.bbox,
      after: s.page.after, limit: s.page.limit, offset: s.page.offset, countLimit: s.page.countLimit,
    })
  }

  /** The SQL text of a search page, values bound. */
  searchQuery(s: ParcelSearch, viewer: Viewer): string {
    const filter = this.pgp.as.format(FILTER, {
      scope: viewer.scope, county: s.county, cluster: s.cluster, status: s.status, kind: s.kind,
      includeRetired: s.includeRetired, tokens: s.tokens, ...s.bbox,
    })
    return this.pgp.as.format(SEARCH, {
      filter, after: s.page.after, limit: s.page.limit, offset: s.page.offset, countLimit: s.page.countLimit,
    })
  }

  /** Applies an edit made on version `expected`: 404 when missing or out of scope, 409 with the
   * current card when someone else changed it first, 400 naming the field when it is invalid. */
  async patch(code: string, viewer: Viewer, expected: IfMatch, patch: ParcelPatch, actor: Writer): Promise<Versioned> {
    const { note, ...fields } = patch
    if (Object.keys(fields).length === 0) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.emptyEdit)
    return this.db.tx('parcel-patch', async (t) => {
      await setActor(t, actor, note)
      const cur = await this.lockEditable(t, code, viewer, expected)
      const geometry = fields.geometry ? JSON.stringify(fields.geometry) : null
      let check: { geometry_problem: string | null; area_m2: number; tolerance: number; cluster_county: string | null }
      try {
        check = await t.one(CHECK_EDIT, {
          id: cur.id, geometry, clusterCode: fields.cluster_code ?? null, defaultTolerance: DEFAULT_STATED_AREA_TOLERANCE,
        })
      } catch (e) {
        if (geometry && isGeometryError(e)) throw invalidField('geometry', e.message)
        throw e
      }
      if (check.geometry_problem) {
        throw invalidField('geometry', GEOMETRY_PROBLEMS[check.geometry_problem] ?? check.geometry_problem)
      }
      if (fields.cluster_code) {
        if (!check.cluster_county) throw invalidField('cluster_code', `没有集聚区 ${fields.cluster_code} / no cluster ${fields.cluster_code}`)
        if (check.cluster_county !== cur.county_code) {
          throw invalidField('cluster_code', `集聚区 ${fields.cluster_code} 属于 ${check.cluster_county}，宗地属于 ${cur.county_code} / the cluster lies in county ${check.cluster_county}, the parcel in ${cur.county_code}`)
        }
      }
      const stated = fields.stated_area_m2 !== undefined ? fields.stated_area_m2 : cur.stated_area_m2
      if (stated !== null && Math.abs(stated - check.area_m2) > check.tolerance * check.area_m2) {
        const field = fields.stated_area_m2 !== undefined ? 'stated_area_m2' : 'geometry'
        throw invalidField(field, `登记面积 ${stated} m² 与图形面积 ${check.area_m2.toFixed(2)} m² 相差超过 ${(check.tolerance * 100).toFixed(1)}% / the stated area ${stated} m² and the area of the geometry, ${check.area_m2.toFixed(2)} m², differ by more than ${(check.tolerance * 100).toFixed(1)}%`)
      }
      const sets = this.pgp.helpers.sets(fields, columnsOf(this.pgp).parcel)
      await t.one(UPDATE, { sets, id: cur.id, expected: cur.version })
      return (await this.cardText(code, viewer, t))!
    })
  }

  /** Retirement (注销) instead of deletion: the row and its file stay, with the date and the reason. */
  async retire(code: string, viewer: Viewer, expected: IfMatch, reason: string, actor: Writer): Promise<Versioned> {
    return this.db.tx('parcel-retire', async (t) => {
      await setActor(t, actor, reason)
      const cur = await this.lockEditable(t, code, viewer, expected)
      await t.one(RETIRE, { id: cur.id, expected: cur.version, reason })
      return (await this.cardText(code, viewer, t))!
    })
  }

  /** Records a development event (DOMAIN.md life cycle 3) on a parcel in scope. */
  async addDevelopmentEvent(code: string, viewer: Viewer, body: DevelopmentEventCreate, actor: Writer, username: string): Promise<Versioned> {
    return this.db.tx('development-add', async (t) => {
      await setActor(t, actor, body.note ?? undefined)
      const parcel = await t.oneOrNone(LOCK, { code, scope: viewer.scope })
      if (!parcel) throw landNotFound('parcel', code)
      if (parcel.retired_at) throw new HttpError(409, 'retired', LAND_MESSAGES.retired(code))
      await guardSensitiveWrite(t, body)
      await this.checkDevelopmentDates(t, parcel.id, null, body.kind, body.occurred_on)
      const row = await t.one(DEV_INSERT, {
        parcelId: parcel.id, countyCode: parcel.county_code, kind: body.kind, occurred_on: body.occurred_on,
        developed_area_m2: body.developed_area_m2 ?? null, invested_wan: body.invested_wan ?? null,
        measured: body.measured ? JSON.stringify(body.measured) : null, government_caused: body.government_caused ?? false,
        note: body.note ?? null, recordedBy: username, sensitive: viewer.sensitive,
      })
      return { version: row.version, json: JSON.stringify(row.event) }
    })
  }

  async patchDevelopmentEvent(code: string, id: number, viewer: Viewer, ifMatch: IfMatch, patch: DevelopmentEventPatch, actor: Writer): Promise<Versioned> {
    return this.db.tx('development-patch', async (t) => {
      await setActor(t, actor, patch.note ?? undefined)
      const cur = await t.oneOrNone(DEV_LOCK, { code, id, scope: viewer.scope })
      if (!cur) throw landNotFound('developmentEvent', `${code}/${id}`)
      const expected = versionFor(ifMatch, cur.version)
      if (cur.version !== expected) {
        throw versionConflict(DEVELOPMENT_EVENT, String(id), expected, { version: cur.version, state: await redacted(t, cur.state, viewer.sensitive) })
      }
      await guardSensitiveWrite(t, patch)
      await this.checkDevelopmentDates(t, cur.parcel_id, id, patch.kind ?? cur.kind, patch.occurred_on ?? cur.occurred_on)
      const sets = this.pgp.helpers.sets(patch, columnsOf(this.pgp).development)
      const row = await t.one(DEV_UPDATE, { sets, id, expected, sensitive: viewer.sensitive })
      return { version: row.version, json: JSON.stringify(row.event) }
    })
  }

  /** The parcel locked for an edit made on version `expected`. */
  private async lockEditable(t: ITask<unknown>, code: string, viewer: Viewer, ifMatch: IfMatch) {
    const cur = await t.oneOrNone(LOCK, { code, scope: viewer.scope })
    if (!cur) throw landNotFound('parcel', code)
    const expected = versionFor(ifMatch, cur.version)
    if (cur.version !== expected) {
      const current = (await this.cardText(code, viewer, t))!
      throw versionConflict(PARCEL, code, expected, { version: current.version, state: JSON.parse(current.json) })
    }
    if (cur.retired_at) throw new HttpError(409, 'retired', LAND_MESSAGES.retired(code))
    return cur as { id: number; county_code: string; version: number; stated_area_m2: number | null }
  }

  /** Dates in life-cycle order (DOMAIN.md life cycle 3): nothing in the future, completion not before
   * the start, acceptance not before completion. */
  private async checkDevelopmentDates(t: ITask<unknown>, parcelId: number, exceptId: number | null, kind: string, on: string): Promise<void> {
    const d = await t.one(DEV_DATES, { parcelId, exceptId })
    if (on > d.today) throw invalidField('occurred_on', `${on} 晚于今天 ${d.today} / ${on} is after today (${d.today})`)
    const before = (what: string, date: string | null, label: string) => {
      if (date !== null && on < date) throw invalidField('occurred_on', `${on} 早于${label} ${date} / ${on} is before the ${what} on ${date}`)
    }
    if (kind === 'completion') before('start', d.start, '动工日期')
    if (kind === 'completion_acceptance') before('completion', d.first_completion, '竣工日期')
    if (kind === 'production_acceptance') before('completion acceptance', d.completion_acceptance ?? d.first_completion, '竣工验收日期')
  }
}
