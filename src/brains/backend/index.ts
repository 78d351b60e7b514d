/**
 * The model backend built from the server's settings: undefined when MODEL_BACKEND_URL is unset, so
 * the brain chain (src/brains/chain.ts) goes from scenarios straight to the defaults, as before.
 */
import type { Config } from '../../config.js';
import type { Db } from '../../store/database.js';
import { fileContent, findFile } from '../../store/files.js';
import { BackendBrain } from './brain.js';
import { TurnRecorder, type RecorderLog } from './recorder.js';

export { BackendBrain } from './brain.js';

export function createBackendBrain(config: Pick<Config, 'modelBackend' | 'recordTo'>, db: Db, log: RecorderLog): BackendBrain | undefined {
  if (!config.modelBackend) return undefined;
  return new BackendBrain({
    settings: config.modelBackend,
    readFile: (tenant, fileId) => {
      const file = findFile(db, tenant, fileId);
      const data = file ? fileContent(db, tenant, fileId) : undefined;
      return file && data ? { data, filename: file.filename } : undefined;
    },
    recorder: config.recordTo ? new TurnRecorder(config.recordTo, log) : undefined,
  });
}
