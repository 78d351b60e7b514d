/** The typed control client of the /__admin API (also exported by the package root). */
export * from './admin-client.js';
export * from './errors.js';
export { ADMIN_OPERATIONS, type AdminOperation } from './operations.js';
