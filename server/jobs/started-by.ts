/** Who a job a user started by hand runs as (the analysis recompute, the alert scan, the yearly
 * ratings from 任务): the account that queued it (job.created_by), as it is when the job runs, not
 * as it was when it was queued. A deactivated account, or one whose role may no longer do the work,
 * fails the job rather than acting in its name; its scope and what it may write are read afresh. */
import type { Role } from '../common/roles'
import { viewerFor, type Viewer } from '../db/viewer'
import { JobFailure, type JobContext } from './queue'

export const STARTED_BY_MESSAGES = {
  noUser: '任务没有发起人 / the job names no account to run as',
  gone: '发起任务的账户已停用或不存在，任务未运行 / the account that started the job is inactive or gone: nothing was done',
  role: '发起任务的账户已无权执行此任务，任务未运行 / the account that started the job may no longer do this: nothing was done',
} as const

/** The viewer of the account that started the job, in the job's own transaction; a JobFailure when
 * it is gone, inactive, or no longer in `roles`. */
export async function startedBy(ctx: Pick<JobContext, 't' | 'claim'>, roles: readonly Role[], sensitiveRoles: readonly Role[]): Promise<Viewer> {
  if (ctx.claim.created_by === null) throw new JobFailure(STARTED_BY_MESSAGES.noUser)
  const user = await ctx.t.users.findById(Number(ctx.claim.created_by))
  if (!user || !user.active) throw new JobFailure(STARTED_BY_MESSAGES.gone)
  if (!roles.includes(user.role)) throw new JobFailure(STARTED_BY_MESSAGES.role)
  const { active: _active, ...account } = user
  return viewerFor({ ...account, id: Number(account.id) }, sensitiveRoles)
}
