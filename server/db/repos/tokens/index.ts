/** Personal access tokens (sql/migrations/930_personal_token.sql): the look-up of the auth plugin,
 * and the list, creation and revocation of /api/tokens. Only hashes are read or written here. */
import type { IDatabase, IMain } from 'pg-promise'
import type { Role } from '../../../config'
import { signsInWithSecondFactor, type TokenOwner, type TokenScope } from '../../../personal-tokens'
import { sqlLoader } from '../../sql'

const sql = sqlLoader(import.meta.url)
const FIND = sql('find.sql')
const CREATE = sql('create.sql')
const LIST = sql('list.sql')
const REVOKE = sql('revoke.sql')

export interface TokenRow {
  id: number
  name: string
  display_prefix: string
  scope: TokenScope
  created_at: Date
  expires_at: Date
  last_used_at: Date | null
  revoked_at: Date | null
  state: 'active' | 'expired' | 'revoked'
  username?: string
}

interface FoundRow { token_id: number; scope: TokenScope; id: number; username: string; display_name: string; role: Role; county_scope: string[] | null; totp: boolean }

export class TokensRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  /** The owner of a live token as the account is now; `totpRequired`: ONEMAP_TOTP_REQUIRED. */
  async findOwner(tokenHash: string, totpRequired: boolean): Promise<TokenOwner | null> {
    const r: FoundRow | null = await this.db.oneOrNone(FIND, { tokenHash })
    if (!r) return null
    return {
      tokenId: Number(r.token_id), scope: r.scope, secondFactor: signsInWithSecondFactor(r.role, r.totp, totpRequired),
      user: { id: Number(r.id), username: r.username, display_name: r.display_name, role: r.role, county_scope: r.county_scope },
    }
  }

  /** null: the user has `max` live tokens already. A live name taken throws unique_violation. */
  create(t: { userId: number; name: string; tokenHash: string; displayPrefix: string; scope: TokenScope; days: number; max: number }): Promise<TokenRow | null> {
    return this.db.oneOrNone(CREATE, t)
  }

  list(userId: number | null, limit = 500): Promise<TokenRow[]> {
    return this.db.any(LIST, { userId, limit })
  }

  revoke(id: number, ownerId: number | null, revokedBy: number): Promise<{ id: number; user_id: number } | null> {
    return this.db.oneOrNone(REVOKE, { id, ownerId, revokedBy })
  }
}
