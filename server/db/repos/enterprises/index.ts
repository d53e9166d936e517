/** Enterprises (企业, keyed by 统一社会信用代码) and their yearly figures (annex 3 art. 14: tax,
 * output…). An enterprise is visible to a county user when it is registered in one of their
 * counties or holds or rents land there; the figures only to sensitive roles. */
import type { ColumnSet, IDatabase, IMain, ITask } from 'pg-promise'
import { sqlLoader } from '../../sql'
import { guardSensitiveWrite, setActor, type Writer } from '../../actor'
import { HttpError } from '../../../errors'
import { LAND_MESSAGES, landNotFound, versionConflict, versionFor, versionOrNone, type IfMatch, type Page } from '../../../schemas/common'
import { FIGURE_COLUMNS, type EnterprisePatch, type Figures } from '../../../schemas/enterprise'
import type { Versioned } from '../parcels'
import type { Scope, ReadViewer as Viewer } from '../../viewer'

const sql = sqlLoader(import.meta.url)
const VISIBLE = sql('visible.sql')
const VIEW = sql('view.sql')
const SEARCH = sql('search.sql')
const LOCK = sql('lock.sql')
const UPDATE = sql('update.sql')
const FIGURES_LOCK = sql('figures-lock.sql')
const FIGURES_UPSERT = sql('figures-upsert.sql')
const FIGURES_SCOPE = sql('figures-scope.sql')

export interface EnterpriseSearch {
  county: string[] | null
  industry: string | null
  aboveScale: boolean | null
  tokens: string[] | null
  page: Page
}

/** One row of a figures table, already checked: the columns the table had, in 万元 etc. */
export interface FigureRow { creditCode: string; values: Partial<Figures> }

export interface FiguresWrite { created: number; updated: number }

type Conn = IDatabase<unknown> | ITask<unknown>

let columns: ColumnSet | null = null
function columnsOf(pgp: IMain): ColumnSet {
  const skip = (c: { exists: boolean }) => !c.exists
  columns ??= new pgp.helpers.ColumnSet(
    ['name', 'industry', 'above_scale', 'intelligent_retrofit', 'legal_person', 'contact_phone'].map((name) => ({ name, skip })),
    { table: 'enterprise' })
  return columns
}

export class EnterprisesRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  private visible(scope: Scope): string {
    return this.pgp.as.format(VISIBLE, { scope })
  }

  async view(creditCode: string, viewer: Viewer, conn: Conn = this.db): Promise<Versioned | null> {
    const row = await conn.oneOrNone(VIEW, {
      creditCode, scope: viewer.scope, sensitive: viewer.sensitive, visible: this.visible(viewer.scope),
    })
    return row ? { version: row.version, json: row.enterprise } : null
  }

  async search(s: EnterpriseSearch, viewer: Viewer): Promise<string> {
    const row = await this.db.one(SEARCH, {
      visible: this.visible(viewer.scope), county: s.county, industry: s.industry, aboveScale: s.aboveScale, tokens: s.tokens,
      after: s.page.after, limit: s.page.limit, offset: s.page.offset, countLimit: s.page.countLimit,
    })
    return row.page
  }

  async patch(creditCode: string, viewer: Viewer, ifMatch: IfMatch, patch: EnterprisePatch, actor: Writer): Promise<Versioned> {
    const { note, ...fields } = patch
    if (Object.keys(fields).length === 0) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.emptyEdit)
    return this.db.tx('enterprise-patch', async (t) => {
      await setActor(t, actor, note)
      const cur = await t.oneOrNone(LOCK, { creditCode, visible: this.visible(viewer.scope) })
      if (!cur) throw landNotFound('enterprise', creditCode)
      const expected = versionFor(ifMatch, cur.version)
      if (cur.version !== expected) {
        const current = (await this.view(creditCode, viewer, t))!
        throw versionConflict('企业 enterprise', creditCode, expected, { version: current.version, state: JSON.parse(current.json) })
      }
      await t.one(UPDATE, { sets: this.pgp.helpers.sets(fields, columnsOf(this.pgp)), creditCode, expected })
      return (await this.view(creditCode, viewer, t))!
    })
  }

  /** PUT of one year's figures: creates them, or replaces the columns sent when the caller
   * edited the current version (If-Match required once they exist). */
  async putFigures(creditCode: string, year: number, viewer: Viewer, ifMatch: IfMatch | null, values: Partial<Figures>,
    actor: Writer, note?: string): Promise<Versioned & { created: boolean }> {
    return this.db.tx('figures-put', async (t) => {
      await setActor(t, actor, note)
      await guardSensitiveWrite(t, values)
      const firm = await t.oneOrNone(LOCK, { creditCode, visible: this.visible(viewer.scope) })
      if (!firm) throw landNotFound('enterprise', creditCode)
      const cur = await t.oneOrNone(FIGURES_LOCK, { creditCode, year })
      if (cur && ifMatch === null) throw new HttpError(428, 'precondition_required', LAND_MESSAGES.preconditionRequired)
      const expected = versionOrNone(ifMatch, cur?.version)
      if ((cur?.version ?? 0) !== expected) {
        throw versionConflict('年度数据 figures', `${creditCode}/${year}`, expected, { version: cur?.version ?? 0, state: cur?.figures ?? null })
      }
      const row = await this.upsertFigures(t, creditCode, year, values)
      return { version: row.version, json: JSON.stringify(row.figures), created: row.created }
    })
  }

  /** The credit codes among `codes` that the caller may write figures for, with their names. */
  async visibleAmong(codes: string[], scope: Scope): Promise<Map<string, string>> {
    const rows = await this.db.any(FIGURES_SCOPE, { codes, visible: this.visible(scope) })
    return new Map(rows.map((r: { credit_code: string; name: string }) => [r.credit_code, r.name]))
  }

  /** A whole year's table in one transaction: every row or none. */
  async importFigures(year: number, rows: FigureRow[], actor: Writer, note: string): Promise<FiguresWrite> {
    return this.db.tx('figures-import', async (t) => {
      await setActor(t, actor, note)
      await guardSensitiveWrite(t, Object.assign({}, ...rows.map((r) => r.values)))
      const result: FiguresWrite = { created: 0, updated: 0 }
      for (const r of rows) {
        const row = await this.upsertFigures(t, r.creditCode, year, r.values)
        if (row.created) result.created++
        else result.updated++
      }
      return result
    })
  }

  private async upsertFigures(t: ITask<unknown>, creditCode: string, year: number, values: Partial<Figures>) {
    const sent = FIGURE_COLUMNS.filter((c) => values[c] !== undefined)
    if (sent.length === 0) throw new HttpError(400, 'invalid_request', LAND_MESSAGES.emptyEdit)
    const data = Object.fromEntries(sent.map((c) => [c, values[c]]))
    return t.one(FIGURES_UPSERT, {
      creditCode, year, columns: sent,
      values: this.pgp.as.format('$1:csv', [sent.map((c) => data[c])]),
      sets: this.pgp.helpers.sets(data, sent),
    }) as Promise<{ version: number; figures: Record<string, unknown>; created: boolean }>
  }
}
