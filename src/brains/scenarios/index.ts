/**
 * Scenarios: scripted behaviour for runs, from SCENARIOS files and the control API.
 * load.ts reads files, validate.ts checks values, match.ts picks a rule, render.ts turns a scripted
 * turn into a TurnAction, registry.ts holds the rules and is the Behavior the run engine asks.
 */
export { ScenarioRegistry, type ReloadResult, type ScenarioListing, type ScenarioLogger } from './registry.js';
export { ScenarioFileError, loadScenarioPath, parseScenarioText } from './load.js';
export { validateScenarioBody, validateScenarioFile, formatPath, type Problem } from './validate.js';
export { scenarioSchema, inlineScenarioSchema } from './schema.js';
export { SCENARIO_METADATA_KEY, type Selection } from './match.js';
export type * from './format.js';
