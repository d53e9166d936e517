/** The base of the absolute links OneMap writes (TileJSON `tiles`, OGC API `links`): the public
 * address setting when there is one (ONEMAP_PUBLIC_URL, e.g. a proxy that serves OneMap under a
 * path), else the request's own scheme and host — which Fastify takes from X-Forwarded-Proto and
 * X-Forwarded-Host (their last entry, the nearest proxy's) only when the connection comes from a
 * trusted proxy (ONEMAP_TRUST_PROXY), so a client cannot make OneMap write links to a host of its
 * choosing for anyone else. */
import type { FastifyInstance, FastifyRequest } from 'fastify'

export function publicBase(app: FastifyInstance, request: FastifyRequest): string {
  if (app.config.publicUrl) return app.config.publicUrl
  return `${request.protocol === 'https' ? 'https' : 'http'}://${request.host}`
}
