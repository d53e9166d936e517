/** The one pg-promise instance of the process, with the repositories attached to every
 * database object (the pg-promise-demo pattern). */
import pgPromise, { type IDatabase, type IInitOptions, type IMain } from 'pg-promise'
import { ClustersRepo } from './repos/clusters'
import { UsersRepo } from './repos/users'
import { ParcelsRepo } from './repos/parcels'

export interface Repos {
  clusters: ClustersRepo
  users: UsersRepo
  parcels: ParcelsRepo
}

export type Db = IDatabase<Repos> & Repos

const initOptions: IInitOptions<Repos> = {
  extend(obj) {
    obj.clusters = new ClustersRepo(obj, pgp)
    obj.users = new UsersRepo(obj, pgp)
    obj.parcels = new ParcelsRepo(obj, pgp)
  },
}

export const pgp: IMain = pgPromise(initOptions)

// numeric and bigint arrive as strings by default; these columns hold areas, money and ids
// well inside double precision, and the API speaks JSON numbers.
pgp.pg.types.setTypeParser(20, (v: string) => Number(v)) // int8
pgp.pg.types.setTypeParser(1700, (v: string) => Number(v)) // numeric
pgp.pg.types.setTypeParser(1082, (v: string) => v) // date stays 'YYYY-MM-DD', no time zone shift
