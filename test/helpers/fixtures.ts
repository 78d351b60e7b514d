/**
 * Tools shared by the tests, and the event orders of the streaming tests (docs/streaming.md, "Event order").
 * `name*` in an event order stands for one or more events of that name.
 */
const cityFunction = (name: string, description: string) => ({
  type: 'function' as const,
  function: {
    name,
    description,
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
});

export const WEATHER_TOOL = cityFunction('get_weather', 'Get the weather for a city');
export const TIME_TOOL = cityFunction('get_time', 'Get the local time of a city');

/** A run answering in text, from thread.run.created to thread.run.completed (section 3 a). */
export const TEXT_RUN_EVENTS = [
  'thread.run.created',
  'thread.run.queued',
  'thread.run.in_progress',
  'thread.run.step.created',
  'thread.run.step.in_progress',
  'thread.message.created',
  'thread.message.in_progress',
  'thread.message.delta*',
  'thread.message.completed',
  'thread.run.step.completed',
  'thread.run.completed',
];

/**
 * A turn with text and tool calls, streamed: the message is said and its step completed, then the
 * tool_calls step opens and the run requires action.
 */
export const TEXT_THEN_TOOL_CALLS_EVENTS = [
  ...TEXT_RUN_EVENTS.slice(0, -1),
  'thread.run.step.created',
  'thread.run.step.in_progress',
  'thread.run.step.delta*',
  'thread.run.requires_action',
];
