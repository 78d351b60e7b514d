/**
 * GET /__admin/events: a Server-Sent Events feed of every run event of the caller's tenant, the same
 * `event: NAME` / `data: JSON` frames a `stream: true` request gets, so a dashboard or a test can
 * watch runs it did not start itself. Optional filters: `thread_id`, `run_id`.
 *
 * Unlike a run stream the feed spans many runs, so it never sends `done` and never ends by itself:
 * the client closes it, or server shutdown ends it (it is an SseStream in ctx.streams). A
 * `: keep-alive` comment every 15 s keeps proxies and idle timeouts from cutting a quiet feed.
 */
import { Type } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import type { TypedApp } from '../http/typed-app.js';
import type { BusEvent } from '../streaming/event-bus.js';
import { SseStream } from '../streaming/sse.js';

/** Interval of the `: keep-alive` comment. */
export const KEEP_ALIVE_MS = 15_000;

export const EventsQuery = Type.Object(
  {
    thread_id: Type.Optional(Type.String({ description: 'Only events of runs on this thread (thread.created included).' })),
    run_id: Type.Optional(Type.String({ description: 'Only events of this run.' })),
  },
  { additionalProperties: false },
);

const DESCRIPTION = [
  "Server-Sent Events for every run of the caller's tenant (the API key it sends): the same `event: NAME` / `data: JSON`",
  'frames as a `stream: true` request, from the moment of subscribing (no replay).',
  'The feed spans runs, so it sends no `done` frame and does not end by itself; a run ends with its final run event',
  '(`thread.run.completed`, `requires_action`, `incomplete`, `failed`, `cancelled` or `expired`).',
  'A `: keep-alive` comment comes every 15 seconds. See docs/streaming.md.',
].join(' ');

export function eventsRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/__admin/events',
    {
      schema: {
        tags: ['admin'],
        summary: "Watch the tenant's run events as Server-Sent Events",
        description: DESCRIPTION,
        querystring: EventsQuery,
        response: {
          200: {
            description: 'An endless `text/event-stream` of run events.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const { thread_id: threadId, run_id: runId } = request.query;
      const stream = new SseStream(request, reply, ctx.streams);
      const unsubscribe = ctx.bus.subscribeTenant(request.call.tenant, (event: BusEvent) => {
        if (threadId !== undefined && event.threadId !== threadId) return;
        if (runId !== undefined && event.runId !== runId) return;
        stream.send(event.event, event.data);
      });
      const keepAlive = setInterval(() => stream.comment('keep-alive'), KEEP_ALIVE_MS);
      keepAlive.unref();
      stream.onClose(() => {
        clearInterval(keepAlive);
        unsubscribe();
      });
      return reply;
    },
  );
}
