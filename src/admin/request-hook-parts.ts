/**
 * The control API's part in every request (the operator key, injected faults, the request journal),
 * for the per-request hooks of src/http/request-hooks.ts, which the app factory gives them to.
 */
import type { AppContext } from '../context.js';
import type { RequestHookParts } from '../http/request-hooks.js';
import { requireOperator } from './auth.js';
import { applyFaults } from './fault-routes.js';
import { recordInJournal } from './requests.js';
import { committed } from '../store/write-batch.js';

export function adminRequestHookParts(ctx: AppContext): RequestHookParts {
  return {
    requireOperator: (request) => requireOperator(request, ctx.config),
    applyFaults: (request, done) => {
      // The common case costs one look-up: no faults for this tenant.
      if (!ctx.faults.any(request.call.tenant)) return false;
      applyFaults(ctx, request, done);
      return true;
    },
    recordApiRequest: (request, reply) => recordInJournal(ctx, request, reply),
    pendingCommit: () => committed(ctx.db),
  };
}
