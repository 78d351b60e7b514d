import { defineConfig } from 'drizzle-kit';

// drizzle-kit reads the TypeScript schema and writes SQL migrations into migrations/.
// The server applies them at start-up (src/store/database.ts).
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/store/schema.ts',
  out: './migrations',
});
