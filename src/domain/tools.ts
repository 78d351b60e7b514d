/**
 * Tool definitions as assistants and runs store and show them. One stored form (v2), two faces:
 * v1's `retrieval` is stored as `file_search` and shown as `retrieval` again to v1 callers.
 */
import type { ApiVersion } from './api-version.js';
import { invalidValue } from './errors.js';
import type { Tool } from './schemas.js';

export interface FunctionDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean | null;
}

export type StoredTool =
  | { type: 'code_interpreter' }
  | { type: 'file_search'; file_search?: { max_num_results?: number; ranking_options?: { ranker?: string; score_threshold: number } } }
  | { type: 'function'; function: FunctionDefinition };

/** The tool kinds of each version, in its spec's order (`tools` of the assistant object); error texts list them so. */
export const TOOL_TYPES: Record<ApiVersion, readonly string[]> = {
  v2: ['code_interpreter', 'file_search', 'function'],
  v1: ['code_interpreter', 'retrieval', 'function'],
};

/** `tool_choice.type` of each version, in the spec's order (AssistantsNamedToolChoice). */
export const TOOL_CHOICE_TYPES: Record<ApiVersion, readonly string[]> = {
  v2: ['function', 'code_interpreter', 'file_search'],
  v1: ['function', 'code_interpreter', 'retrieval'],
};

/** Checks the tool kinds against the caller's version and fills the defaults the real API fills. */
export function normalizeTools(tools: Tool[] | undefined, version: ApiVersion, param = 'tools'): StoredTool[] {
  return (tools ?? []).map((tool, i) => {
    const allowed = TOOL_TYPES[version];
    if (!allowed.includes(tool.type)) throw invalidValue(`${param}[${i}].type`, tool.type, allowed);
    switch (tool.type) {
      case 'retrieval':
        return { type: 'file_search' };
      case 'file_search':
        return {
          type: 'file_search',
          file_search: {
            ...(tool.file_search?.max_num_results !== undefined ? { max_num_results: tool.file_search.max_num_results } : {}),
            ranking_options: {
              ranker: tool.file_search?.ranking_options?.ranker ?? 'default_2024_08_21',
              score_threshold: tool.file_search?.ranking_options?.score_threshold ?? 0,
            },
          },
        };
      case 'function':
        return {
          type: 'function',
          function: {
            name: tool.function.name,
            ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
            parameters: tool.function.parameters ?? { type: 'object', properties: {} },
            strict: tool.function.strict ?? false,
          },
        };
      default:
        return { type: 'code_interpreter' };
    }
  });
}

type ToolChoiceInput = 'none' | 'auto' | 'required' | { type: string; function?: { name: string } } | null | undefined;

/** `tool_choice`: v1 names file_search `retrieval` (stored as file_search); each version refuses the other's name. */
export function normalizeToolChoice(choice: ToolChoiceInput, version: ApiVersion): Exclude<ToolChoiceInput, null | undefined> {
  if (choice === null || choice === undefined) return 'auto';
  if (typeof choice === 'string') return choice;
  const allowed = TOOL_CHOICE_TYPES[version];
  if (!allowed.includes(choice.type)) throw invalidValue('tool_choice.type', choice.type, allowed);
  return choice.type === 'retrieval' ? { ...choice, type: 'file_search' } : choice;
}

export function serializeTools(tools: unknown[], version: ApiVersion): unknown[] {
  if (version === 'v2') return tools;
  return (tools as StoredTool[]).map((tool) => (tool.type === 'file_search' ? { type: 'retrieval' } : tool));
}

export function functionTools(tools: unknown[]): FunctionDefinition[] {
  return (tools as StoredTool[]).filter((t) => t.type === 'function').map((t) => (t as { function: FunctionDefinition }).function);
}
