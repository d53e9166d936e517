/** Clusters (产业集聚区): public reads of the one map's outer layer. */
import type { IDatabase, IMain } from 'pg-promise'
import type { ClusterCollection, ClusterFeature } from '../../../schemas/cluster'
import { sqlLoader } from '../../sql'

const sql = sqlLoader(import.meta.url)
const LIST = sql('list.sql')

export class ClustersRepo {
  constructor(private db: IDatabase<unknown>, private pgp: IMain) {}

  async list(): Promise<ClusterCollection> {
    return (await this.db.one(LIST, { code: null })).collection
  }

  async get(code: string): Promise<ClusterFeature | null> {
    const fc: ClusterCollection = (await this.db.one(LIST, { code })).collection
    return fc.features[0] ?? null
  }
}
