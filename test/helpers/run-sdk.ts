/**
 * The run calls the SDK-driven run tests make, typed, on the shared adapter over each SDK major
 * (./sdk.ts): create, stream, poll, submit, and the run's steps and messages in order.
 */
import type { SdkAdapter } from './sdk.js';

export type Json = Record<string, unknown>;
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}
export interface Run extends Json {
  id: string;
  status: string;
  usage: Usage | null;
  required_action: { submit_tool_outputs: { tool_calls: { id: string; function: { name: string; arguments: string } }[] } } | null;
}
export interface Step extends Json {
  type: string;
  status: string;
  usage: Usage | null;
  step_details: { type: string; message_creation?: { message_id: string }; tool_calls?: Json[] };
}
export interface Message extends Json {
  id: string;
  role: string;
  status: string;
  content: { text: { value: string } }[];
}
export interface Event {
  event: string;
  data: Json;
}

/** The calls whose signatures differ between the majors. */
export interface RunSdk {
  name: string;
  createAssistant(body: Json): Promise<{ id: string }>;
  createThread(body: Json): Promise<{ id: string }>;
  stream(threadId: string, body: Json): AsyncIterable<Event>;
  createAndPoll(threadId: string, body: Json): Promise<Run>;
  submitAndPoll(threadId: string, runId: string, outputs: { tool_call_id: string; output: string }[]): Promise<Run>;
  steps(threadId: string, runId: string): Promise<Step[]>;
  messages(threadId: string): Promise<Message[]>;
}

export function runSdk(sdk: SdkAdapter): RunSdk {
  return {
    name: sdk.name,
    createAssistant: (body) => sdk.createAssistant(body),
    createThread: (body) => sdk.createThread(body),
    stream: (tid, body) => sdk.streamRun(tid, body) as AsyncIterable<Event>,
    createAndPoll: (tid, body) => sdk.createAndPoll(tid, body) as Promise<Run>,
    submitAndPoll: (tid, rid, outputs) => sdk.submitToolOutputsAndPoll(tid, rid, { tool_outputs: outputs }) as Promise<Run>,
    steps: (tid, rid) => sdk.listStepsAll(tid, rid, { order: 'asc' }) as unknown as Promise<Step[]>,
    messages: (tid) => sdk.listMessagesAll(tid, { order: 'asc' }) as unknown as Promise<Message[]>,
  };
}
