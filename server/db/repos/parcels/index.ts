/** Parcels (宗地). Every read takes the caller's county scope and applies it in SQL, so that a
 * parcel outside the scope is indistinguishable from a missing one. */
import type { IDatabase, IMain } from 'pg-promise'
import { sqlLoader } from '../../sql'
/** A GeoJSON Feature built by PostGIS. */
export interface Feature { type: 'Feature'; id: string; geometry: unknown; properties: Record<string, unknown> }

const sql = sqlLoader(import.meta.url)
const CARD = sql('card.sql')

/** null: the whole city; else the county codes the caller may see. */
export type Scope = string[] | null

export class ParcelsRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  async card(code: string, scope: Scope): Promise<Feature | null> {
    const row = await this.db.oneOrNone(CARD, { code, scope })
    return row?.card ?? null
  }
}
