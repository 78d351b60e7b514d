/**
 * Work that makes later requests faster but that no request is waiting for (loading the tokenizer),
 * done while the server is idle and never before its first answer.
 *
 * Why: the tokenizer load (~0.3-0.4 s of synchronous CPU) and the compiling of every request validator
 * used to start on fixed timers (+250 ms and +50 ms after ready). On a busy machine the first /healthz
 * poll arrived after them and waited behind both (bench/startup.ts, docs/benchmarks.md). Now nothing
 * starts before the first request has been answered (or, for a server nobody calls, a while after
 * start), and each piece runs only after a check interval in which the event loop was nearly idle,
 * measured with `performance.eventLoopUtilization()`, which costs the requests nothing.
 */
import type { Server } from 'node:http';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** How often idleness is checked, and the share of that interval the loop may have been busy. */
export const IDLE_CHECK_MS = 25;
export const IDLE_UTILIZATION = 0.05;
/** A server that gets no request starts its idle work this long after start-up. */
export const UNCALLED_START_MS = 1_000;
/** Pieces of one task run back to back for at most this long before idleness is checked again. */
const SLICE_MS = 10;

/** A piece of idle work: does a bit and returns true while there is more to do. */
export type IdleTask = () => boolean;

/** Runs `tasks` in order, in the server's idle time; the returned function stops what is left. */
export function runWhenIdle(server: Server, tasks: IdleTask[]): () => void {
  const queue = [...tasks];
  let timer: NodeJS.Timeout | undefined;
  let since: EventLoopUtilization | undefined;
  let stopped = false;

  const schedule = () => {
    if (stopped || queue.length === 0) return;
    since = performance.eventLoopUtilization();
    timer = setTimeout(check, IDLE_CHECK_MS).unref();
  };
  const check = () => {
    const busy = since ? performance.eventLoopUtilization(since).utilization : 1;
    if (busy <= IDLE_UTILIZATION) {
      const until = performance.now() + SLICE_MS;
      while (queue.length > 0 && performance.now() < until) if (!queue[0]()) queue.shift();
    }
    schedule();
  };
  const start = () => {
    if (timer !== undefined || stopped) return;
    clearTimeout(uncalled);
    server.off('request', onFirstRequest);
    schedule();
  };
  // After the first answer is out, not while it is being made: one listener, removed on the first request.
  const onFirstRequest = (_request: unknown, response: { once(event: 'finish', listener: () => void): unknown }) => {
    server.off('request', onFirstRequest);
    response.once('finish', start);
  };
  server.on('request', onFirstRequest);
  const uncalled = setTimeout(start, UNCALLED_START_MS).unref();

  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(uncalled);
    server.off('request', onFirstRequest);
  };
}
