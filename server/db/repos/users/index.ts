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
  totp_enrolled: boolean
}

/** An account as the security administrator sees it (user administration, no password hash). */
export interface Account extends User {
  active: boolean
  created_at: string
  last_login_at: string | null
  password_must_change: boolean
  totp: boolean
}

const ACCOUNT_COLUMNS = `id, username, display_name, role, county_scope, active, password_must_change, totp_secret IS NOT NULL AS totp,
  to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS created_at,
  to_char(last_login_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD"T"HH24:MI:SS"+08:00"') AS last_login_at`

/** 'ok', or a sign-in step still to do before anything else: 'totp' (the second factor),
 * 'enrol' (set up a second factor the role requires), 'password' (a forced change). */
export type SessionStage = 'ok' | 'password' | 'totp' | 'enrol'
export interface SessionUser extends User {
  stage: SessionStage
}

const USER_COLUMNS = 'id, username, display_name, role, county_scope'

export class UsersRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  findByUsername(username: string): Promise<UserWithHash | null> {
    return this.db.oneOrNone(
      `SELECT ${USER_COLUMNS}, password_hash, active, password_must_change, password_changed_at, totp_secret IS NOT NULL AS totp_enrolled
         FROM app_user WHERE username = $1`,
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

  /** The account by id, whether active: who a background job runs for (server/jobs/started-by.ts). */
  findById(id: number): Promise<(User & { active: boolean }) | null> {
    return this.db.oneOrNone(`SELECT ${USER_COLUMNS}, active FROM app_user WHERE id = $1`, [id])
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
  update(username: string, change: { display_name?: string; role?: Role; county_scope?: string[] | null; active?: boolean }, totpReset = false): Promise<Account> {
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
      if (totpReset) {
        await t.none('UPDATE app_user SET totp_secret = NULL, totp_pending_secret = NULL, totp_last_step = NULL WHERE id = $1', [before.id])
        await t.none('DELETE FROM totp_recovery_code WHERE user_id = $1', [before.id])
        await t.none('DELETE FROM user_session WHERE user_id = $1', [before.id])
      }
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

  setStage(tokenHash: string, stage: SessionStage): Promise<null> {
    return this.db.none('UPDATE user_session SET stage = $2 WHERE token_hash = $1', [tokenHash, stage])
  }

  totp(userId: number): Promise<{ secret: string | null; pending: string | null; last_step: number | null }> {
    return this.db.one('SELECT totp_secret AS secret, totp_pending_secret AS pending, totp_last_step AS last_step FROM app_user WHERE id = $1', [userId])
  }

  setPendingTotp(userId: number, secret: string): Promise<null> {
    return this.db.none('UPDATE app_user SET totp_pending_secret = $2 WHERE id = $1', [userId, secret])
  }

  /** Takes a code's time step once: false when a code of this step or a later one was taken already
   * (a code seen by someone else cannot be used again). */
  acceptTotpStep(userId: number, step: number): Promise<boolean> {
    return this.db.oneOrNone(
      'UPDATE app_user SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id',
      [userId, step]).then((r) => r !== null)
  }

  /** The pending secret becomes the account's second factor, with new recovery codes (their hashes). */
  confirmTotp(userId: number, step: number, recoveryHashes: string[]): Promise<void> {
    return this.db.tx('totp-confirm', async (t) => {
      await t.none(`UPDATE app_user SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_last_step = $2, updated_at = now() WHERE id = $1`, [userId, step])
      await t.none('DELETE FROM totp_recovery_code WHERE user_id = $1', [userId])
      await t.none('INSERT INTO totp_recovery_code (user_id, code_hash) SELECT $1, unnest($2::text[])', [userId, recoveryHashes])
    })
  }

  /** Uses a recovery code once; false when it is not one of the account's unused codes. */
  useRecoveryCode(userId: number, codeHash: string): Promise<boolean> {
    return this.db.oneOrNone(
      'UPDATE totp_recovery_code SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING user_id',
      [userId, codeHash]).then((r) => r !== null)
  }

  recoveryCodesLeft(userId: number): Promise<number> {
    return this.db.one('SELECT count(*)::int AS n FROM totp_recovery_code WHERE user_id = $1 AND used_at IS NULL', [userId], (r: { n: number }) => r.n)
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

  /** A session; 'password': it may only change the password (a forced change) until it does. */
  createSession(tokenHash: string, userId: number, hours: number, stage: SessionStage = 'ok', address: string | null = null): Promise<{ expires_at: Date }> {
    return this.db.one(
      `INSERT INTO user_session (token_hash, user_id, expires_at, stage, address)
       VALUES ($1, $2, now() + make_interval(hours => $3), $4, left($5, 64)) RETURNING expires_at`,
      [tokenHash, userId, hours, stage, address],
    )
  }

  /** The active user behind a token that has neither expired nor been idle for idleMinutes, or
   * null; its idle clock restarts (written at most once a minute, or a fifth of the idle time). */
  findBySession(tokenHash: string, idleMinutes: number): Promise<SessionUser | null> {
    // a named prepared statement: every request the session cache misses (auth plugin) runs it.
    // idleMinutes is cast: a prepared statement types its parameters once, and a fraction of a
    // minute is a valid setting (config.ts ONEMAP_IDLE_MINUTES), which an integer $2 would refuse
    return this.db.oneOrNone({
      name: 'session-user',
      text: `WITH s AS (
         SELECT s.token_hash, s.user_id, s.stage, s.last_seen_at FROM user_session s
          WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2::float8 * 60)
       ), seen AS (
         UPDATE user_session x SET last_seen_at = now() FROM s
          WHERE x.token_hash = s.token_hash AND s.last_seen_at < now() - make_interval(secs => least(60, $2::float8 * 12))
       )
       SELECT u.id, u.username, u.display_name, u.role, u.county_scope, s.stage
         FROM s JOIN app_user u ON u.id = s.user_id WHERE u.active`,
      values: [tokenHash, idleMinutes],
    })
  }

  /** The password hashes an account may not take again: its current one and its last n-1. */
  recentPasswords(userId: number, n: number): Promise<string[]> {
    return this.db.map(
      `SELECT password_hash FROM app_user WHERE id = $1
       UNION ALL (SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY set_at DESC LIMIT greatest($2 - 1, 0))`,
      [userId, n], (r: { password_hash: string }) => r.password_hash)
  }

  /** The account's own new password: the old one goes to the history, the forced change is done,
   * every other session ends, this one may do everything again. */
  changePassword(userId: number, passwordHash: string, keepSession: string): Promise<void> {
    return this.db.tx('password-change', async (t) => {
      await t.none(`INSERT INTO password_history (user_id, password_hash) SELECT id, password_hash FROM app_user WHERE id = $1`, [userId])
      await t.none(`UPDATE app_user SET password_hash = $2, password_must_change = false, password_changed_at = now(), updated_at = now() WHERE id = $1`, [userId, passwordHash])
      await t.none(`DELETE FROM user_session WHERE user_id = $1 AND token_hash <> $2`, [userId, keepSession])
      await t.none(`UPDATE user_session SET stage = 'ok' WHERE token_hash = $1`, [keepSession])
    })
  }

  deleteSession(tokenHash: string): Promise<null> {
    return this.db.none('DELETE FROM user_session WHERE token_hash = $1', [tokenHash])
  }
}
