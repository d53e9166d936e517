/** OpenAPI document from the routes' TypeBox schemas, served with Swagger UI at /docs. */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

export default fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'OneMap 产业集聚区用地提质增效一张图 API',
        description: 'Industrial-cluster land efficiency: parcels, approval batches, supply, idle and inefficient land, per-mu tax, patrol alerts.',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'openapi' })
