/** Accounts and login sessions. Tokens are stored only as their sha256. */
import type { IDatabase, IMain } from 'pg-promise'
import type { Role } from '../../../config'

export interface User {
  id: number
  username: string
  display_name: string
  role: Role
  /** null: the whole city; else the county codes this user may see and edit. */
  county_scope: string[] | null
}

export interface UserWithHash extends User {
  password_hash: string
  active: boolean
}

const USER_COLUMNS = 'id, username, display_name, role, county_scope'

export class UsersRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  findByUsername(username: string): Promise<UserWithHash | null> {
    return this.db.oneOrNone(
      `SELECT ${USER_COLUMNS}, password_hash, active FROM app_user WHERE username = $1`,
      [username],
    )
  }

  create(u: Omit<User, 'id'> & { password_hash: string }): Promise<User> {
    return this.db.one(
      `INSERT INTO app_user (username, display_name, role, county_scope, password_hash)
       VALUES ($<username>, $<display_name>, $<role>, $<county_scope>, $<password_hash>)
       RETURNING ${USER_COLUMNS}`,
      u,
    )
  }

  setPassword(username: string, passwordHash: string): Promise<null> {
    return this.db.none('UPDATE app_user SET password_hash = $2 WHERE username = $1', [username, passwordHash])
  }

  count(): Promise<number> {
    return this.db.one('SELECT count(*)::int AS n FROM app_user', [], (r: { n: number }) => r.n)
  }

  createSession(tokenHash: string, userId: number, hours: number): Promise<{ expires_at: Date }> {
    return this.db.one(
      `INSERT INTO user_session (token_hash, user_id, expires_at)
       VALUES ($1, $2, now() + make_interval(hours => $3)) RETURNING expires_at`,
      [tokenHash, userId, hours],
    )
  }

  /** The active user behind a token that has not expired, or null. */
  findBySession(tokenHash: string): Promise<User | null> {
    // a named prepared statement: every request the session cache misses (auth plugin) runs it
    return this.db.oneOrNone({
      name: 'session-user',
      text: `SELECT u.id, u.username, u.display_name, u.role, u.county_scope
         FROM user_session s JOIN app_user u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active`,
      values: [tokenHash],
    })
  }

  /** A security event (security_event, append-only): failed, refused and locked logins. */
  securityEvent(e: { kind: string; username: string | null; userId?: number | null; address: string | null; detail?: object }): Promise<null> {
    return this.db.none(
      `INSERT INTO security_event (kind, username, user_id, address, detail) VALUES ($1, left($2, 64), $3, left($4, 64), $5)`,
      [e.kind, e.username, e.userId ?? null, e.address, JSON.stringify(e.detail ?? {})],
    )
  }

  deleteSession(tokenHash: string): Promise<null> {
    return this.db.none('DELETE FROM user_session WHERE token_hash = $1', [tokenHash])
  }
}
