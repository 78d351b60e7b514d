/**
 * /__admin/scenarios: the tenant's runtime rules (added, listed, removed here) next to the rules of
 * the SCENARIOS files (listed, reloaded), and the JSON Schema of the format.
 */
import { Type } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';
import type { AppContext } from '../context.js';
import type { TypedApp } from '../http/typed-app.js';
import { invalidParam } from '../domain/errors.js';
import { fileScenarioNotRemovable, invalidScenario, scenarioNotFound, scenarioReloadFailed } from './errors.js';
import { inlineScenarioSchema, scenarioSchema } from '../brains/scenarios/schema.js';
import { formatPath, validateScenarioBody } from '../brains/scenarios/validate.js';

const NameParams = Type.Object({ name: Type.String() });

export const UnmatchedBody = Type.Object(
  {
    mode: Type.Union([Type.Literal('default'), Type.Literal('error'), Type.Null()], {
      description:
        '`default`: unmatched turns get the default reply; `error`: they fail the run, naming the closest scenario; null: follow the server (UNMATCHED).',
    }),
  },
  { additionalProperties: false },
);

/**
 * The body is checked against schemas/scenario.schema.json by the scenario validator itself (its
 * messages name the exact place of a problem), so the route's own validation lets everything by;
 * the schema given to the route is there for the OpenAPI document.
 */
const acceptAny: FastifySchemaCompiler<unknown> = () => (data: unknown) => ({ value: data });

export function scenarioRoutes(app: TypedApp, ctx: AppContext): void {
  app.get(
    '/__admin/scenarios',
    { schema: { tags: ['admin'], summary: "List the tenant's runtime scenarios, then the file scenarios, in order of precedence" } },
    async (request) => ({ object: 'list', data: ctx.scenarios.list(request.call.tenant) }),
  );

  app.post(
    '/__admin/scenarios',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add runtime scenarios for the tenant (a rule with a name the tenant already uses is replaced)',
        body: { anyOf: [inlineScenarioSchema('file'), inlineScenarioSchema('scenario')] },
      },
      validatorCompiler: acceptAny,
    },
    async (request) => {
      const result = validateScenarioBody(request.body);
      if (!result.ok) {
        const { path, key, message } = result.problem;
        throw invalidScenario(formatPath(key ? [...path, key] : path), message);
      }
      return { object: 'list', data: ctx.scenarios.addRuntime(request.call.tenant, result.value) };
    },
  );

  app.delete(
    '/__admin/scenarios',
    { schema: { tags: ['admin'], summary: "Remove all the tenant's runtime scenarios" } },
    async (request) => ({
      object: 'mock.scenarios.deleted',
      deleted: ctx.scenarios.clearRuntime(request.call.tenant),
    }),
  );

  app.get(
    '/__admin/scenarios/schema',
    { schema: { tags: ['admin'], summary: 'The JSON Schema of scenario files and of POST /__admin/scenarios bodies' } },
    async () => scenarioSchema,
  );

  app.post(
    '/__admin/scenarios/reload',
    {
      schema: {
        tags: ['admin'],
        summary: 'Read the SCENARIOS files again now (they also reload on change); server-wide: needs ADMIN_KEY when set',
      },
      // The files are the server's, shared by every tenant: an operator action (src/http/route-access.ts).
      config: { operator: true },
    },
    async () => {
      if (!ctx.scenarios.path) throw invalidParam('scenarios', 'the server was started without SCENARIOS.', null);
      const result = ctx.scenarios.reload();
      if (!result.ok) throw scenarioReloadFailed(result.error.message);
      return { object: 'mock.scenarios.reloaded', path: ctx.scenarios.path, count: result.count };
    },
  );

  const unmatchedState = (tenant: string) => ({
    object: 'mock.unmatched',
    mode: ctx.scenarios.unmatchedMode(tenant),
    source: ctx.scenarios.hasOwnUnmatchedMode(tenant) ? 'tenant' : 'server',
  });

  app.get(
    '/__admin/unmatched',
    { schema: { tags: ['admin'], summary: 'What happens to a turn no scenario matches, for the tenant (strict mode)' } },
    async (request) => unmatchedState(request.call.tenant),
  );

  app.put(
    '/__admin/unmatched',
    {
      schema: {
        tags: ['admin'],
        summary: "Set the tenant's unmatched mode (`error`: strict mode), or null to follow the server's UNMATCHED",
        body: UnmatchedBody,
      },
    },
    async (request) => {
      ctx.scenarios.setUnmatchedMode(request.call.tenant, request.body.mode);
      return unmatchedState(request.call.tenant);
    },
  );

  app.get(
    '/__admin/scenarios/:name',
    { schema: { tags: ['admin'], summary: 'One scenario by name (runtime first, then files)', params: NameParams } },
    async (request) => {
      const { name } = request.params;
      const found = ctx.scenarios.find(request.call.tenant, name);
      if (!found) throw scenarioNotFound(name);
      return found;
    },
  );

  app.delete(
    '/__admin/scenarios/:name',
    { schema: { tags: ['admin'], summary: "Remove one of the tenant's runtime scenarios", params: NameParams } },
    async (request) => {
      const { name } = request.params;
      if (ctx.scenarios.removeRuntime(request.call.tenant, name)) return { name, object: 'mock.scenario.deleted', deleted: true };
      const fromFile = ctx.scenarios.find(request.call.tenant, name);
      if (fromFile?.source === 'file') throw fileScenarioNotRemovable(name, fromFile.file ?? 'SCENARIOS');
      throw scenarioNotFound(name);
    },
  );
}
