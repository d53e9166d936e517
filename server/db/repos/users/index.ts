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
  password_must_change: boolean
  password_changed_at: Date
}

/** An account as the security administrator sees it (user administration, no password hash). */
export interface Account extends User {
  active: boolean
  created_at: string
  last_login_at: string | null
  password_must_change: boolean
}

const ACCOUNT_COLUMNS = `id, username, display_name, role, county_scope, active, password_must_change,
  to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS created_at,
  to_char(last_login_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS last_login_at`

const USER_COLUMNS = 'id, username, display_name, role, county_scope'

export class UsersRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  findByUsername(username: string): Promise<UserWithHash | null> {
    return this.db.oneOrNone(
      `SELECT ${USER_COLUMNS}, password_hash, active, password_must_change, password_changed_at FROM app_user WHERE username = $1`,
      [username],
    )
  }

  create(u: Omit<User, 'id'> & { password_hash: string; password_must_change?: boolean }): Promise<User> {
    return this.db.one(
      `INSERT INTO app_user (username, display_name, role, county_scope, password_hash, password_must_change)
       VALUES ($<username>, $<display_name>, $<role>, $<county_scope>, $<password_hash>, $<must>)
       RETURNING ${USER_COLUMNS}`,
      { ...u, must: u.password_must_change ?? false },
    )
  }

  /** Every account, with its last sign-in, by user name. */
  accounts(): Promise<Account[]> {
    return this.db.any(`SELECT ${ACCOUNT_COLUMNS} FROM app_user ORDER BY username`)
  }

  account(username: string): Promise<Account | null> {
    return this.db.oneOrNone(`SELECT ${ACCOUNT_COLUMNS} FROM app_user WHERE username = $1`, [username])
  }

  /** Changes an account; its sessions end when it is deactivated or its role or scope change
   * (what a token may do is decided at sign-in). Returns the account as it is now. */
  update(username: string, change: { display_name?: string; role?: Role; county_scope?: string[] | null; active?: boolean }): Promise<Account> {
    return this.db.tx('user-update', async (t) => {
      const before = await t.one(`SELECT id, role, county_scope, active FROM app_user WHERE username = $1 FOR UPDATE`, [username])
      await t.none(
        `UPDATE app_user SET display_name = coalesce($<display_name>, display_name), role = coalesce($<role>, role),
           county_scope = CASE WHEN $<setScope> THEN $<county_scope>::char(6)[] ELSE county_scope END,
           active = coalesce($<active>, active), updated_at = now()
         WHERE id = $<id>`,
        { display_name: change.display_name ?? null, role: change.role ?? null, setScope: change.county_scope !== undefined,
          county_scope: change.county_scope ?? null, active: change.active ?? null, id: before.id },
      )
      const after = await t.one(`SELECT ${ACCOUNT_COLUMNS} FROM app_user WHERE id = $1`, [before.id])
      if (!after.active || after.role !== before.role || JSON.stringify(after.county_scope) !== JSON.stringify(before.county_scope)) {
        await t.none('DELETE FROM user_session WHERE user_id = $1', [before.id])
      }
      return after
    })
  }

  /** Sets a password chosen by the system (a reset): it must be changed at the next sign-in, and
   * every session of the account ends. */
  resetPassword(userId: number, passwordHash: string): Promise<void> {
    return this.db.tx('password-reset', async (t) => {
      await t.none(`UPDATE app_user SET password_hash = $2, password_must_change = true, password_changed_at = now(), updated_at = now() WHERE id = $1`, [userId, passwordHash])
      await t.none('DELETE FROM user_session WHERE user_id = $1', [userId])
    })
  }

  signedIn(userId: number): Promise<null> {
    return this.db.none('UPDATE app_user SET last_login_at = now() WHERE id = $1', [userId])
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
    return this.db.oneOrNone(
      `SELECT u.id, u.username, u.display_name, u.role, u.county_scope
         FROM user_session s JOIN app_user u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > now() AND u.active`,
      [tokenHash],
    )
  }

  deleteSession(tokenHash: string): Promise<null> {
    return this.db.none('DELETE FROM user_session WHERE token_hash = $1', [tokenHash])
  }
}
