/**
 * One run: a timeline of its status changes (the history GET /__admin/runs/{id} keeps, with the time
 * of each change), its steps with their tool calls (arguments, outputs, file_search results), usage,
 * last_error and who answered each turn (a scenario by name, the defaults, or the request).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, errorText, type List } from '../lib/api';
import { pretty, time } from '../lib/format';
import type { AnsweredBy, Run, RunInspection, Step } from '../lib/types';

const SEARCH_CONTENT = 'include[]=step_details.tool_calls[*].file_search.results[*].content';

/** "scenario weather", "the defaults", "the request" (instructions on the run itself). */
export function answeredByText(by: AnsweredBy): string {
  if (by.kind === 'scenario') return `scenario ${by.scenario ?? '?'}`;
  return by.kind === 'default' ? 'the defaults' : 'the request';
}

export function RunDetails({ threadId, run }: { threadId: string; run: Run }) {
  const [inspection, setInspection] = useState<RunInspection | null>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    call<RunInspection>(`/__admin/runs/${run.id}`).then(setInspection, (e: unknown) => setError(errorText(e)));
    call<List<Step>>(`/v1/threads/${threadId}/runs/${run.id}/steps?order=asc&limit=100&${SEARCH_CONTENT}`).then(
      (page) => setSteps(page.data),
      (e: unknown) => setError(errorText(e)),
    );
  }, [run.id, run.status]);

  const timeline = inspection?.history ?? [];
  const answeredBy = (stepId: string) => inspection?.turns.find((t) => t.step_id === stepId)?.answered_by;

  return (
    <div class="run-details">
      <h4>Timeline</h4>
      <ol class="timeline" aria-label={`Timeline of ${run.id}`}>
        {timeline.map((entry, i) => (
          <li key={i}>
            <span class={`badge status-${entry.status}`}>{entry.status}</span> <time>{time(entry.at)}</time>
          </li>
        ))}
      </ol>
      {inspection ? null : <p class="muted">Loading the run's history…</p>}
      {inspection?.turns.length ? (
        <>
          <h4>Turns</h4>
          <ul aria-label={`Turns of ${run.id}`}>
            {inspection.turns.map((turn) => (
              <li key={turn.index}>
                Turn {turn.index}: answered by <strong>{answeredByText(turn.answered_by)}</strong>
                {turn.step_id ? <span class="muted"> (step {turn.step_id})</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {run.usage ? (
        <p>
          Usage: {run.usage.prompt_tokens} prompt + {run.usage.completion_tokens} completion = {run.usage.total_tokens} tokens
        </p>
      ) : null}
      {run.last_error ? (
        <p class="error">
          last_error: {run.last_error.code}: {run.last_error.message}
        </p>
      ) : null}
      {error ? <p class="error">{error}</p> : null}
      <h4>Steps</h4>
      {steps.length === 0 ? <p class="muted">No steps.</p> : null}
      <ol class="steps">
        {steps.map((step) => {
          const by = answeredBy(step.id);
          return (
            <li key={step.id}>
              <p>
                <strong>{step.type}</strong> <span class={`badge status-${step.status}`}>{step.status}</span>{' '}
                <span class="muted">{step.id}</span> {by ? <span class="muted">answered by {answeredByText(by)}</span> : null}
              </p>
              {step.step_details.type === 'message_creation' ? (
                <p class="muted">created message {step.step_details.message_creation.message_id}</p>
              ) : (
                step.step_details.tool_calls.map((toolCall) => (
                  <div class="tool-call" key={toolCall.id}>
                    <p>
                      {toolCall.type} <code>{toolCall.function?.name}</code> <span class="muted">{toolCall.id}</span>
                    </p>
                    {toolCall.function ? (
                      <>
                        <p class="muted">arguments</p>
                        <pre class="code">{pretty(toolCall.function.arguments)}</pre>
                        <p class="muted">output</p>
                        <pre class="code">{toolCall.function.output ?? '(none yet)'}</pre>
                      </>
                    ) : null}
                    {toolCall.file_search?.results?.map((result, i) => (
                      <details key={i}>
                        <summary>
                          result {i}: {result.file_name} (score {result.score.toFixed(3)})
                        </summary>
                        <pre class="code">{result.content?.map((c) => c.text).join('\n')}</pre>
                      </details>
                    ))}
                  </div>
                ))
              )}
              {step.usage ? <p class="muted">usage: {step.usage.total_tokens} tokens</p> : null}
              {step.last_error ? <p class="error">{step.last_error.message}</p> : null}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
