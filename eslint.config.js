import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layerConfigs } from './eslint.layers.js';

/** `request.body`, `req.params`, ... (the parts a route schema types). */
const REQUEST_PART = '[object.name=/^(request|req)$/][property.name=/^(body|params|query|headers)$/]';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  ...layerConfigs(),
  {
    // Request parts are typed by the route's schemas (src/http/typed-app.ts): a cast would hide a
    // handler reading a field its schema does not validate. test/typed-routes.lint.test.ts keeps this rule honest.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `:matches(TSAsExpression, TSTypeAssertion) > MemberExpression${REQUEST_PART}`,
          message:
            'No casts of request parts: give the route a TypeBox schema (src/http/typed-app.ts) or narrow `unknown` with a validator.',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
