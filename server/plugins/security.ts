/** Response headers a security review expects, on every answer (the map at /, /docs, the API):
 * a Content-Security-Policy the map works under, no framing, no MIME sniffing, a strict
 * Referrer-Policy (helmet); CORS only for the origins the allow-list names (off by default); and
 * OPTIONS answered with the methods a path takes (RFC 9110 §9.3.7). */
import fp from 'fastify-plugin'
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'
import cors from '@fastify/cors'
import type { HTTPMethods } from 'fastify'

/** 天地图 WMTS hosts t0–t7 (web-map/src/basemap.ts): allowed only when a key is configured. */
export const TIANDITU_HOSTS = 'https://*.tianditu.gov.cn'

/** The policy of every page. MapLibre's worker is a file of the map's own build (setWorkerUrl in
 * web-map/src/main.ts), so no blob: worker is needed; its images may be blob: and data: URLs;
 * inline style attributes are used by the pages, MapLibre and ECharts (styles only: no inline
 * script anywhere). */
export function contentSecurityPolicy(tianditu: boolean): Record<string, string[] | null> {
  const outside = tianditu ? [TIANDITU_HOSTS] : []
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:', 'blob:', ...outside],
    'connect-src': ["'self'", ...outside],
    'worker-src': ["'self'"],
    'child-src': ["'self'"],
    'font-src': ["'self'", 'data:'],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    // an intranet deployment on plain HTTP must keep working: no upgrade of its own requests
    'upgrade-insecure-requests': null,
  }
}

/** The headers helmet sets with these options, computed once: they are the same for every
 * request (no nonce, no per-request directive), and @fastify/helmet built helmet's middleware
 * anew on each request (options parsed, CSP directives checked and joined, ~12 setHeader calls:
 * measured ~0.05 ms of the ~0.4 ms CPU of GET /api/auth/me at 16 connections). */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()]
    },
  }
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err
  })
  return headers
}

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']

export default fp(async (app) => {
  const tianditu = app.config.tiandituToken !== null
  const headers = helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(tianditu) },
    xFrameOptions: { action: 'deny' },
    // no-referrer, except that a 天地图 browser key is bound to the site's domain through the Referer:
    // then the origin alone goes out, and only over HTTPS
    referrerPolicy: { policy: tianditu ? 'strict-origin' : 'no-referrer' },
    // the map's tiles and data are for this site's pages (CORS, when configured, governs other origins' fetches)
    crossOriginResourcePolicy: { policy: 'same-origin' },
  })
  // a plain hook, the same headers object on every answer (errors and 404s too: Fastify keeps
  // the reply's headers when it answers with an error)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })

  /** The methods a path takes, as routed (the web map's catch-all for its files aside): a path
   * nobody routes is 404 as for any method. Before CORS's own hook, which answers preflights. */
  const allowed = (url: string) => METHODS.filter((method) => {
    const route = app.findRoute({ method, url })
    return route !== null && !(route.params && '*' in route.params)
  })

  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'OPTIONS') return done()
    const path = request.url.split('?')[0]!
    const methods = allowed(path)
    if (methods.length) reply.header('allow', [...methods, 'OPTIONS'].join(', '))
    done()
  })
  const origins = app.config.corsOrigins
  if (origins.length) {
    await app.register(cors, {
      origin: origins,
      methods: METHODS.filter((m) => m !== 'HEAD'),
      allowedHeaders: ['authorization', 'content-type', 'if-match', 'if-none-match', 'x-request-id'],
      exposedHeaders: ['etag', 'x-request-id', 'retry-after', 'content-disposition'],
      maxAge: 600,
      // a plain OPTIONS (no preflight headers) is answered too, with Allow below
      strictPreflight: false,
      hideOptionsRoute: true,
    })
  }

  if (!origins.length) {
    app.options('*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
      if (!reply.hasHeader('allow')) return reply.callNotFound()
      return reply.status(204).send()
    })
  }
}, { name: 'security', dependencies: ['errors'] })
