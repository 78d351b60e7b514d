/**
 * In-process publish/subscribe for AssistantStreamEvents. The run engine publishes each event after
 * the change it announces is committed; SSE responses subscribe to one run, the /__admin/events feed
 * to a whole tenant. Plain Maps of Sets rather than EventEmitter: thousands of concurrent streams
 * would trip its listener-leak warning, and counting listeners (for leak tests) is trivial here.
 */
export interface BusEvent {
  /** The AssistantStreamEvent name, e.g. `thread.run.created`. */
  event: string;
  /** The object the event carries, serialized in the v2 shape. */
  data: unknown;
  /** The same object in the v1 shape, for streams a v1 client opened (made only when asked for). */
  v1?: () => unknown;
  tenant: string;
  threadId: string;
  runId: string | null;
  /** For the /__admin/events feed only (mock.run.turn): never sent on an API run stream. */
  adminOnly?: boolean;
}

export type BusListener = (event: BusEvent) => void;

export class EventBus {
  private readonly byRun = new Map<string, Set<BusListener>>();
  private readonly byTenant = new Map<string, Set<BusListener>>();

  subscribeRun(runId: string, listener: BusListener): () => void {
    return add(this.byRun, runId, listener);
  }

  subscribeTenant(tenant: string, listener: BusListener): () => void {
    return add(this.byTenant, tenant, listener);
  }

  publish(event: BusEvent): void {
    if (event.runId && !event.adminOnly) this.byRun.get(event.runId)?.forEach((l) => safeCall(l, event));
    this.byTenant.get(event.tenant)?.forEach((l) => safeCall(l, event));
  }

  /** Live subscriptions, for leak checks. */
  listenerCount(): number {
    let n = 0;
    for (const set of this.byRun.values()) n += set.size;
    for (const set of this.byTenant.values()) n += set.size;
    return n;
  }
}

function add(map: Map<string, Set<BusListener>>, key: string, listener: BusListener): () => void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(listener);
  return () => {
    const current = map.get(key);
    if (!current) return;
    current.delete(listener);
    if (current.size === 0) map.delete(key);
  };
}

/** A failing subscriber (a socket that just closed) must not stop delivery to the others. */
function safeCall(listener: BusListener, event: BusEvent): void {
  try {
    listener(event);
  } catch {
    /* the subscriber's own problem; it unsubscribes on close */
  }
}
