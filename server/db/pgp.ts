/** The one pg-promise instance of the process, with the repositories attached to every
 * database object (the pg-promise-demo pattern). */
import pgPromise, { type IDatabase, type IInitOptions, type IMain } from 'pg-promise'
import { ClustersRepo } from './repos/clusters'
import { CountiesRepo } from './repos/counties'
import { UsersRepo } from './repos/users'
import { ParcelsRepo } from './repos/parcels'
import { BatchesRepo } from './repos/batches'
import { ContractsRepo } from './repos/contracts'
import { EnterprisesRepo } from './repos/enterprises'
import { LedgerRepo } from './repos/ledger'
import { AnalysisRepo } from './repos/analysis'
import { UploadsRepo } from './repos/uploads'
import { PerMuRepo } from './repos/permu'
import { StandardLandRepo } from './repos/standard-land'
import { StandardLandWorkflow } from './workflows/standard-land'
import { AlertsRepo } from './repos/alerts'
import { GovernanceRepo } from './repos/governance'
import { TokensRepo } from './repos/tokens'
import { AuditRepo } from './repos/audit'
import { AdminRepo } from './repos/admin'
import { JobsRepo } from './repos/jobs'

export interface Repos {
  clusters: ClustersRepo
  counties: CountiesRepo
  users: UsersRepo
  parcels: ParcelsRepo
  batches: BatchesRepo
  contracts: ContractsRepo
  enterprises: EnterprisesRepo
  ledger: LedgerRepo
  analysis: AnalysisRepo
  uploads: UploadsRepo
  permu: PerMuRepo
  standardLand: StandardLandRepo
  /** The standard-land check / rectification / termination workflow (a unit of its own, not a repository). */
  standardLandWorkflow: StandardLandWorkflow
  alerts: AlertsRepo
  governance: GovernanceRepo
  tokens: TokensRepo
  audit: AuditRepo
  admin: AdminRepo
  jobs: JobsRepo
}

export type Db = IDatabase<Repos> & Repos

const initOptions: IInitOptions<Repos> = {
  extend(obj) {
    obj.clusters = new ClustersRepo(obj, pgp)
    obj.counties = new CountiesRepo(obj, pgp)
    obj.users = new UsersRepo(obj, pgp)
    obj.parcels = new ParcelsRepo(obj, pgp)
    obj.batches = new BatchesRepo(obj, pgp)
    obj.contracts = new ContractsRepo(obj, pgp)
    obj.enterprises = new EnterprisesRepo(obj, pgp)
    obj.ledger = new LedgerRepo(obj, pgp)
    obj.analysis = new AnalysisRepo(obj, pgp)
    obj.uploads = new UploadsRepo(obj, pgp)
    obj.permu = new PerMuRepo(obj, pgp)
    obj.standardLand = new StandardLandRepo(obj, pgp)
    obj.standardLandWorkflow = new StandardLandWorkflow(obj, obj.standardLand)
    obj.alerts = new AlertsRepo(obj, pgp)
    obj.governance = new GovernanceRepo(obj, pgp)
    obj.tokens = new TokensRepo(obj, pgp)
    obj.audit = new AuditRepo(obj, pgp)
    obj.admin = new AdminRepo(obj, pgp)
    obj.jobs = new JobsRepo(obj, pgp)
  },
}

export const pgp: IMain = pgPromise(initOptions)

// numeric and bigint arrive as strings by default; these columns hold areas, money and ids
// well inside double precision, and the API speaks JSON numbers.
pgp.pg.types.setTypeParser(20, (v: string) => Number(v)) // int8
pgp.pg.types.setTypeParser(1700, (v: string) => Number(v)) // numeric
pgp.pg.types.setTypeParser(1082, (v: string) => v) // date stays 'YYYY-MM-DD', no time zone shift
