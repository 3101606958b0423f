import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TaskTokenError, TaskTokens } from '../../../src/local/stepfunctions/task-tokens.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function issue(tokens: TaskTokens, limits: { timeoutMs?: number; heartbeatMs?: number } = {}) {
  return tokens.issue('AskOperator', { timeoutMs: limits.timeoutMs, heartbeatMs: limits.heartbeatMs });
}

describe('TaskTokens', () => {
  it('resolves the wait with the output of SendTaskSuccess, once', async () => {
    const tokens = new TaskTokens();
    const { token, answer } = issue(tokens);
    tokens.sendTaskSuccess(token, { approved: true, at: new Date(0) });
    await expect(answer).resolves.toEqual({ approved: true, at: '1970-01-01T00:00:00.000Z' });
    expect(() => tokens.sendTaskSuccess(token, {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
  });

  it('fails the wait with the error name and cause of SendTaskFailure', async () => {
    const tokens = new TaskTokens();
    const { token, answer } = issue(tokens);
    tokens.sendTaskFailure(token, { error: 'Rejected', cause: 'not now' });
    await expect(answer).rejects.toMatchObject({ name: 'Rejected', message: 'not now' });
  });

  it('refuses output that is not JSON or is over 256 KiB, leaving the task waiting', () => {
    const tokens = new TaskTokens();
    const { token } = issue(tokens);
    expect(() => tokens.sendTaskSuccess(token, undefined)).toThrow(TaskTokenError);
    expect(() => tokens.sendTaskSuccess(token, 'x'.repeat(262_144))).toThrow(/over 262144 bytes/);
    expect(() => tokens.sendTaskSuccess(token, 'ok')).not.toThrow();
  });

  it('answers TaskTimedOut once TimeoutSeconds has passed', () => {
    const tokens = new TaskTokens();
    const { token } = issue(tokens, { timeoutMs: 1_000 });
    vi.advanceTimersByTime(1_000);
    expect(() => tokens.sendTaskSuccess(token, {})).toThrow(
      expect.objectContaining({ name: 'TaskTimedOut' }),
    );
  });

  it('fails with States.HeartbeatTimeout when heartbeats stop, counting from startHeartbeat', async () => {
    const tokens = new TaskTokens();
    const { token, answer } = issue(tokens, { heartbeatMs: 1_000 });
    const outcome = answer.catch((error: Error) => error);
    // The clock starts when the function that received the token has returned.
    vi.advanceTimersByTime(5_000);
    tokens.startHeartbeat(token);
    vi.advanceTimersByTime(900);
    tokens.sendTaskHeartbeat(token);
    vi.advanceTimersByTime(900);
    tokens.sendTaskHeartbeat(token);
    vi.advanceTimersByTime(1_000);
    await expect(outcome).resolves.toMatchObject({ name: 'States.HeartbeatTimeout' });
    expect(() => tokens.sendTaskHeartbeat(token)).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
  });

  it('ends every wait when the execution ends, leaving no timer behind', async () => {
    const tokens = new TaskTokens();
    const { token, answer } = issue(tokens, { timeoutMs: 60_000, heartbeatMs: 10_000 });
    tokens.startHeartbeat(token);
    tokens.close();
    await expect(answer).rejects.toMatchObject({ name: 'States.Runtime' });
    expect(vi.getTimerCount()).toBe(0);
    expect(() => tokens.sendTaskSuccess(token, {})).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
  });

  it('withdraws a discarded token without settling its wait', () => {
    const tokens = new TaskTokens();
    const { token } = issue(tokens, { timeoutMs: 60_000 });
    tokens.discard(token);
    expect(vi.getTimerCount()).toBe(0);
    expect(() => tokens.sendTaskFailure(token)).toThrow(
      expect.objectContaining({ name: 'TaskDoesNotExist' }),
    );
  });
});
