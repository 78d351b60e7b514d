/**
 * The Fastify instance route modules register on: the same instance, seen through the TypeBox type
 * provider, so a handler's request.body, params and querystring have the types of the route's own
 * TypeBox schemas (no casts). The provider only types: validation stays the project's own
 * (src/http/validation.ts), which checks every part against those same schemas. A part whose schema
 * is plain JSON (a hand-written document, such as POST /__admin/scenarios) is `unknown` and is
 * narrowed by its validator.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';

export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export function typed(app: FastifyInstance): TypedApp {
  return app.withTypeProvider<TypeBoxTypeProvider>();
}
