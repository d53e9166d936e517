/** @deprecated Compatibility for code written against the earlier helpers: read `request.viewer`
 * (plugins/viewer.ts) and import the role lists from server/common/roles.ts. Nothing in the tree
 * imports this; it goes once the branches written before the viewer have moved. */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Viewer } from '../../db/viewer'

export { EDITORS, RECORDERS } from '../../common/roles'
export const viewerOf = (_app: FastifyInstance, request: FastifyRequest): Viewer => request.viewer
export const actorOf = (request: FastifyRequest): Viewer => request.viewer
