import { type ExecutionEvent, toExecutionEvent } from './events.js';
import type { TaskFailure } from './task-errors.js';

/**
 * Collects the library's events as ExecutionEvents. It also remembers each handler failure's
 * remedy by its Cause text (unique: it holds the stack), to attach it to the StateFailed event
 * the library emits for that failure, which carries only Error and Cause.
 */
export class EventLog {
  readonly #events: ExecutionEvent[] = [];
  readonly #remedies = new Map<string, string>();

  constructor(
    private readonly rewrittenWaits: ReadonlySet<string>,
    private readonly onEvent: ((event: ExecutionEvent) => void) | undefined,
  ) {}

  rememberRemedy(failure: TaskFailure, thrown: unknown): void {
    const remedy = (thrown as { remedy?: unknown } | null)?.remedy;
    if (typeof remedy === 'string') this.#remedies.set(failure.message, remedy);
  }

  async collect(
    events: AsyncGenerator<Parameters<typeof toExecutionEvent>[0]>,
    onError: (error: Error) => void,
  ): Promise<void> {
    const context = {
      rewrittenWaits: this.rewrittenWaits,
      remedyFor: (cause: string) => this.#remedies.get(cause),
    };
    for await (const raw of events) {
      const event = toExecutionEvent(raw, context);
      this.#events.push(event);
      try {
        this.onEvent?.(event);
      } catch (error) {
        onError(error as Error);
      }
    }
  }

  summary(): { events: ExecutionEvent[]; transitions: number } {
    const transitions = this.#events.filter(
      (e) => e.type === 'StateEntered' || e.type === 'StateRetried',
    ).length;
    return { events: [...this.#events], transitions };
  }
}
