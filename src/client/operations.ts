/**
 * Every operation of the control API, by the name the client gives it. The client (admin-client.ts)
 * sends each request through this table, and test/admin-client.test.ts compares it with the paths
 * the server's OpenAPI document lists under /__admin: a control route without a client operation
 * fails that test. Adding a route: add its line here and its method on the client.
 */
export const ADMIN_OPERATIONS = {
  reset: { method: 'POST', path: '/__admin/reset' },

  'scenarios.list': { method: 'GET', path: '/__admin/scenarios' },
  'scenarios.add': { method: 'POST', path: '/__admin/scenarios' },
  'scenarios.clear': { method: 'DELETE', path: '/__admin/scenarios' },
  'scenarios.get': { method: 'GET', path: '/__admin/scenarios/{name}' },
  'scenarios.remove': { method: 'DELETE', path: '/__admin/scenarios/{name}' },
  'scenarios.reload': { method: 'POST', path: '/__admin/scenarios/reload' },
  'scenarios.schema': { method: 'GET', path: '/__admin/scenarios/schema' },

  'unmatched.get': { method: 'GET', path: '/__admin/unmatched' },
  'unmatched.set': { method: 'PUT', path: '/__admin/unmatched' },

  'faults.add': { method: 'POST', path: '/__admin/faults' },
  'faults.list': { method: 'GET', path: '/__admin/faults' },
  'faults.clear': { method: 'DELETE', path: '/__admin/faults' },
  'faults.remove': { method: 'DELETE', path: '/__admin/faults/{fault_id}' },

  'requests.list': { method: 'GET', path: '/__admin/requests' },
  'requests.count': { method: 'GET', path: '/__admin/requests/count' },
  'requests.clear': { method: 'DELETE', path: '/__admin/requests' },

  'clock.get': { method: 'GET', path: '/__admin/clock' },
  'clock.advance': { method: 'POST', path: '/__admin/clock/advance' },

  'runs.get': { method: 'GET', path: '/__admin/runs/{run_id}' },
  'runs.advance': { method: 'POST', path: '/__admin/runs/{run_id}/advance' },
  'runs.complete': { method: 'POST', path: '/__admin/runs/{run_id}/complete' },
  'runs.fail': { method: 'POST', path: '/__admin/runs/{run_id}/fail' },
  'runs.expire': { method: 'POST', path: '/__admin/runs/{run_id}/expire' },

  'threads.list': { method: 'GET', path: '/__admin/threads' },

  events: { method: 'GET', path: '/__admin/events' },
} as const satisfies Record<string, { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: `/__admin/${string}` | '/__admin' }>;

export type AdminOperation = keyof typeof ADMIN_OPERATIONS;
