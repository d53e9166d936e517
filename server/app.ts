/** The Fastify app as a plugin tree; main.ts only listens. Tests build it and use app.inject. */
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config'
import type { Database } from './db/connect'
import type { Db } from './db/pgp'
import errors from './plugins/errors'
import auth from './plugins/auth'
import audit from './plugins/audit'
import viewer from './plugins/viewer'
import openapi from './plugins/openapi'
import security from './plugins/security'
import input, { dateFormats } from './plugins/input'
import webMap from './plugins/web-map'
import { maskTokens } from './personal-tokens'
import signals from './plugins/signals'
import replicaReads from './plugins/replica-reads'
import jobs from './plugins/jobs'
import dailyRefresh from './plugins/daily-refresh'
import backups from './plugins/backups'
import healthRoutes from './routes/health'
import clusterRoutes from './routes/clusters'
import countyRoutes from './routes/counties'
import authRoutes from './routes/auth'
import parcelRoutes from './routes/parcels'
import batchRoutes from './routes/batches'
import contractRoutes from './routes/contracts'
import enterpriseRoutes from './routes/enterprises'
import ledgerRoutes from './routes/ledger'
import tileRoutes from './routes/tiles'
import analysisRoutes from './routes/analysis'
import uploadRoutes from './routes/uploads'
import perMuRoutes from './routes/permu'
import standardLandRoutes from './routes/standard-land'
import alertRoutes from './routes/alerts'
import reportRoutes from './routes/reports'
import ruleRoutes from './routes/rules'
import flagRoutes from './routes/flags'
import leaseRoutes from './routes/leases'
import disclosureRoutes from './routes/disclosure'
import tokenRoutes from './routes/tokens'
import ogcRoutes from './ogc/routes'
import exportRoutes from './exports/routes'
import auditRoutes from './routes/audit'
import userRoutes from './routes/users'
import jobRoutes from './routes/jobs'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    database: Database
    db: Db
  }
}

/** What the log says of a request: pino's default fields, the URL with tokens masked. */
function requestForLog(request: FastifyRequest) {
  return { method: request.method, url: maskTokens(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort }
}

export interface BuildOptions {
  config: Config
  database: Database
  logger?: FastifyServerOptions['logger']
}

export async function buildApp({ config, database, logger = false }: BuildOptions) {
  const app = Fastify({
    // the request log never shows a personal token, even one sent (and refused) in a URL
    logger: logger && typeof logger === 'object' ? { ...logger, serializers: { req: requestForLog } } : logger,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: 'x-request-id',
    // onCreate runs after ajv-formats: OneMap's dates (1900–2100, real calendar days) replace its own
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true }, onCreate: dateFormats },
    ...(config.trustProxy.length ? { trustProxy: config.trustProxy } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.decorate('config', config)
  app.decorate('database', database)
  app.decorate('db', database.db)
  // A plain (not async) hook: no promise per request on the hot paths (tiles, cards).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })

  await app.register(errors)
  await app.register(security)
  await app.register(input)
  await app.register(openapi)
  await app.register(auth)
  await app.register(audit)
  await app.register(viewer)
  await app.register(signals)
  await app.register(replicaReads)
  await app.register(jobs)
  await app.register(dailyRefresh)
  await app.register(backups)
  await app.register(healthRoutes, { prefix: '/api/health' })
  await app.register(authRoutes, { prefix: '/api/auth' })
  await app.register(tokenRoutes, { prefix: '/api/tokens' })
  await app.register(clusterRoutes, { prefix: '/api/clusters' })
  await app.register(countyRoutes, { prefix: '/api/counties' })
  await app.register(parcelRoutes, { prefix: '/api/parcels' })
  await app.register(batchRoutes, { prefix: '/api/batches' })
  await app.register(contractRoutes, { prefix: '/api/contracts' })
  await app.register(enterpriseRoutes, { prefix: '/api/enterprises' })
  await app.register(ledgerRoutes, { prefix: '/api' })
  await app.register(tileRoutes, { prefix: '/tiles' })
  await app.register(ogcRoutes, { prefix: '/ogc' })
  await app.register(exportRoutes, { prefix: '/api/exports' })
  await app.register(analysisRoutes, { prefix: '/api/analysis' })
  await app.register(uploadRoutes, { prefix: '/api/uploads' })
  await app.register(perMuRoutes, { prefix: '/api/permu' })
  await app.register(standardLandRoutes, { prefix: '/api/standard-land' })
  await app.register(alertRoutes, { prefix: '/api/alerts' })
  await app.register(reportRoutes, { prefix: '/api/reports' })
  await app.register(disclosureRoutes, { prefix: '/api/disclosure' })
  await app.register(auditRoutes, { prefix: '/api/audit' })
  await app.register(userRoutes, { prefix: '/api/users' })
  await app.register(ruleRoutes, { prefix: '/api/rules' })
  await app.register(flagRoutes, { prefix: '/api' })
  await app.register(leaseRoutes, { prefix: '/api' })
  await app.register(jobRoutes, { prefix: '/api/jobs' })
  await app.register(webMap)
  return app as unknown as FastifyInstance
}

export type App = Awaited<ReturnType<typeof buildApp>>
