/**
 * GET /__admin/requests (and DELETE to empty it): the request journal of the caller's tenant, and
 * the hook that fills it. Only API requests (/v1, /openai) are recorded: a test wants to see what
 * its code sent to "OpenAI", not its own control calls.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { TypedApp } from '../http/typed-app.js';
import { invalidParam } from '../domain/errors.js';
import { findRunAudit } from '../store/run-audit.js';
import { journalBody, journalResponse } from './journal.js';

export const RequestsQuery = Type.Object(
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

export const CountQuery = Type.Omit(RequestsQuery, ['limit']);

/** Keeps an answered API request in its tenant's journal (called on response by src/http/request-hooks.ts). */
export function recordInJournal(ctx: AppContext, request: FastifyRequest, reply: FastifyReply): void {
  const call = request.call;
  const { body, truncated } = journalBody(call.bodyText);
  const answer = journalResponse(call.response);
  ctx.journal.record(call.tenant, {
    id: request.id,
    method: request.method,
    url: request.url,
    headers: request.headers,
    body,
    body_truncated: truncated,
    response: answer.response,
    response_truncated: answer.truncated,
    status: reply.statusCode,
    duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    timestamp: Math.round(Date.now() - reply.elapsedTime),
    run: call.drivenRun,
  });
}

export function requestsRoutes(app: TypedApp, ctx: AppContext): void {
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
      const { query } = request;
      const turnAnswer = (runId: string, index: number) => findRunAudit(ctx.db, runId).turns.find((t) => t.index === index)?.answered_by;
      const data = withPathFilter(() => ctx.journal.query(request.call.tenant, { ...query, limit: query.limit ?? 100 }, turnAnswer));
      return { object: 'list', data };
    },
  );

  app.get(
    '/__admin/requests/count',
    {
      schema: {
        tags: ['admin'],
        summary: 'How many of the kept API requests match the filters (WireMock-style verification)',
        querystring: CountQuery,
      },
    },
    async (request) => ({
      object: 'mock.requests.count',
      count: withPathFilter(() => ctx.journal.count(request.call.tenant, request.query)),
    }),
  );

  app.delete('/__admin/requests', { schema: { tags: ['admin'], summary: "Empty the tenant's request journal" } }, async (request) => ({
    object: 'mock.requests.deleted',
    deleted: ctx.journal.clear(request.call.tenant),
  }));
}

/** Runs a journal read whose `path` filter the caller wrote: a pattern RE2 refuses is the caller's 400. */
function withPathFilter<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof SyntaxError) throw invalidParam('path', `not a valid regular expression (${error.message}).`);
    throw error;
  }
}
