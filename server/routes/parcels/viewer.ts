/** Who is looking, as the land repositories need it: the counties (applied in SQL) and whether
 * tax, output and price may be shown (app.config.sensitiveRoles). */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Role } from '../../config'
import { scopeOf } from '../../plugins/auth'
import { userActor } from '../../db/actor'
import type { Viewer } from '../../db/repos/parcels'

export function viewerOf(app: FastifyInstance, request: FastifyRequest): Viewer {
  const user = request.user
  return {
    scope: scopeOf(user),
    sensitive: user !== null && app.config.sensitiveRoles.includes(user.role),
  }
}

/** The event-log actor of a request (every land route requires a login). */
export const actorOf = (request: FastifyRequest) => userActor(request.user!)

/** Roles that edit the land records; inspectors record inspections and findings only. */
export const EDITORS: readonly Role[] = ['admin', 'analyst', 'surveyor']
/** Development events include inspections (巡查), which inspectors record. */
export const RECORDERS: readonly Role[] = ['admin', 'analyst', 'surveyor', 'inspector']
