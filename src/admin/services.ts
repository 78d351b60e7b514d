/**
 * The in-memory services of the control API, made once per server in buildApp (src/server.ts). The
 * scenario files are read here, before anything else is opened, so a bad file stops the start with
 * its message and leaves nothing open behind it.
 */
import type { Config } from '../config.js';
import { ScenarioRegistry } from '../brains/scenarios/registry.js';
import { FaultInjector } from './faults.js';
import { JOURNAL_CAPACITY, JOURNAL_TENANTS, RequestJournal } from './journal.js';

export interface AdminServices {
  scenarios: ScenarioRegistry;
  journal: RequestJournal;
  faults: FaultInjector;
}

export function createAdminServices(config: Config): AdminServices {
  return {
    scenarios: new ScenarioRegistry(config.scenarios, config.unmatched),
    journal: new RequestJournal(JOURNAL_CAPACITY, JOURNAL_TENANTS, config.journalLimitBytes),
    faults: new FaultInjector(),
  };
}
