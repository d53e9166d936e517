/** The audit trail (安全审计): security_event, append-only and hash-chained (sql/migrations/940).
 * Events are written one per statement, outside any other transaction, so that the chain's lock is
 * held for one insert only and an event stays when the action it records fails later. */
import type { IDatabase, IMain } from 'pg-promise'
import { sqlLoader } from '../../sql'

const sql = sqlLoader(import.meta.url)
const APPEND = sql('append.sql')
const LIST = sql('list.sql')
const HEAD = sql('head.sql')

export type AuditResult = 'ok' | 'refused' | 'failed'

/** One row of the trail as it is written: time and chain are the database's. */
export interface AuditRecord {
  /** what happened, lower_snake_case (login, login_failed, user_created, export, figures_read…) */
  kind: string
  /** the actor: a signed-in user, or the name typed at a login; null for the system */
  username: string | null
  userId?: number | null
  role?: string | null
  /** the client's address (X-Forwarded-For through ONEMAP_TRUST_PROXY) */
  address?: string | null
  /** what it is about: "user:analyst.li", "GET /api/users", "parcels.xlsx", "migration:940_audit_trail.sql" */
  object?: string | null
  result?: AuditResult
  requestId?: string | null
  detail?: Record<string, unknown>
}

export interface AuditFilter {
  kinds: string[] | null
  actor: string | null
  result: AuditResult | null
  object: string | null
  from: string | null
  to: string | null
  before: number | null
  limit: number
  archived: boolean
}

export interface AuditRow {
  seq: number; at: string; kind: string; actor: string | null; actor_role: string | null; address: string | null
  object: string | null; result: AuditResult; request_id: string | null; detail: Record<string, unknown>; archived: boolean; hash: string
}

export interface ChainProblem { seq: number; id: number; problem: 'edited' | 'missing' | 'unlinked' | 'archive_differs'; detail: string }

export class AuditRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  /** Appends an event; returns its seq. */
  append(e: AuditRecord): Promise<number> {
    if (!/^[a-z_]{1,40}$/.test(e.kind)) throw new Error(`audit kind "${e.kind}" is not lower_snake_case of at most 40 letters`)
    return this.db.one(APPEND, {
      kind: e.kind, username: e.username, userId: e.userId ?? null, role: e.role ?? null, address: e.address ?? null,
      object: e.object ?? null, result: e.result ?? 'ok', requestId: e.requestId ?? null, detail: JSON.stringify(e.detail ?? {}),
    }, (r: { seq: number }) => r.seq)
  }

  list(f: AuditFilter): Promise<AuditRow[]> {
    return this.db.any(LIST, f)
  }

  head(): Promise<{ seq: number | null; hash: string | null; live: number; archived: number; live_since: string | null }> {
    return this.db.one(HEAD)
  }

  /** Every problem of the hash chain (none: the trail is whole). */
  check(): Promise<ChainProblem[]> {
    return this.db.any('SELECT seq, id, problem, detail FROM audit_chain_check()')
  }

  /** Moves the rows older than keepDays (the database keeps at least 180) to the archive. */
  archive(keepDays: number): Promise<number> {
    return this.db.one('SELECT audit_archive($1) AS n', [keepDays], (r: { n: number }) => r.n)
  }
}
