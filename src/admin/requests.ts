/**
 * GET /__admin/requests (and DELETE to empty it): the request journal of the caller's tenant, and
 * the hook that fills it. Only API requests (/v1, /openai) are recorded: a test wants to see what
 * its code sent to "OpenAI", not its own control calls.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { journalBody, parseQuery, redactHeaders } from './journal.js';

const RequestsQuery = Type.Object(
  {
    method: Type.Optional(Type.String({ description: 'Only this HTTP method (any case).' })),
    path: Type.Optional(
      Type.String({ description: 'Substring of the path; with `*` a glob over the whole path; `/.../` a regular expression.' }),
    ),
    status: Type.Optional(Type.Integer({ description: 'Only answers with this status.' })),
    since: Type.Optional(Type.Integer({ minimum: 0, description: 'Only requests that arrived at or after this time (unix ms).' })),
    until: Type.Optional(Type.Integer({ minimum: 0, description: 'Only requests that arrived before this time (unix ms).' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'At most this many, newest first.' })),
  },
  { additionalProperties: false },
);
type RequestsQuery = Static<typeof RequestsQuery>;

export function installJournalHook(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onResponse', (request, reply, done) => {
    const surface = request.call?.surface;
    if (surface !== 'openai' && surface !== 'azure') return done();
    const { body, truncated } = journalBody(request.body, request.headers['content-type']);
    const durationMs = Math.round(reply.elapsedTime * 100) / 100;
    ctx.journal.record(request.call.tenant, {
      id: request.id,
      object: 'mock.request',
      method: request.method,
      path: request.url.split('?')[0],
      query: parseQuery(request.url),
      headers: redactHeaders(request.headers),
      body,
      body_truncated: truncated,
      status: reply.statusCode,
      duration_ms: durationMs,
      timestamp: Math.round(Date.now() - reply.elapsedTime),
    });
    done();
  });
}

export function requestsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get(
    '/__admin/requests',
    {
      schema: {
        tags: ['admin'],
        summary: "The request journal: the tenant's last API requests (up to 1000), newest first",
        querystring: RequestsQuery,
      },
    },
    async (request) => {
      const query = request.query as RequestsQuery;
      const data = ctx.journal.query(request.call.tenant, { ...query, limit: query.limit ?? 100 });
      return { object: 'list', data };
    },
  );

  app.delete('/__admin/requests', { schema: { tags: ['admin'], summary: "Empty the tenant's request journal" } }, async (request) => ({
    object: 'mock.requests.deleted',
    deleted: ctx.journal.clear(request.call.tenant),
  }));
}
