import { describe, expect, it } from 'vitest';
import type { AslDefinition } from '../../../src/local/stepfunctions/definition.js';
import {
  LOCAL_WAIT_RESOURCE,
  MAX_TIMER_SECONDS,
  prepareTiming,
} from '../../../src/local/stepfunctions/timing.js';

const MACHINE: AslDefinition = {
  StartAt: 'Poll',
  TimeoutSeconds: 99_999_999,
  States: {
    Poll: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Describe',
      Retry: [
        { ErrorEquals: ['ThrottlingError'], IntervalSeconds: 10, BackoffRate: 2, MaxDelaySeconds: 60 },
        { ErrorEquals: ['States.ALL'] },
      ],
      Next: 'Pause',
    },
    Pause: { Type: 'Wait', SecondsPath: '$.pollSeconds', InputPath: '$.task', Next: 'Fan' },
    Fan: {
      Type: 'Map',
      ItemProcessor: {
        StartAt: 'Until',
        States: {
          Until: { Type: 'Wait', Timestamp: '2030-01-01T00:00:00Z', Next: 'Each' },
          Each: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', TimeoutSeconds: 30, End: true },
        },
      },
      End: true,
    },
  },
};

function state(definition: AslDefinition, name: string): Record<string, unknown> {
  const top = definition.States[name];
  if (top) return top as Record<string, unknown>;
  const nested = (definition.States.Fan as unknown as { ItemProcessor: AslDefinition }).ItemProcessor.States[
    name
  ];
  return nested as Record<string, unknown>;
}

describe('prepareTiming', () => {
  it('scales Retry intervals and caps, keeping backoff and attempts', () => {
    const { definition } = prepareTiming(MACHINE, { timeScale: 0.01, maxRetryIntervalMs: undefined });
    expect(state(definition, 'Poll').Retry).toEqual([
      { ErrorEquals: ['ThrottlingError'], IntervalSeconds: 0.1, BackoffRate: 2, MaxDelaySeconds: 0.6 },
      // ASL's default interval (1 s) scaled, no maximum.
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 0.01 },
    ]);
  });

  it('caps every retry pause with maxRetryIntervalMs, zero meaning no pause at all', () => {
    const capped = prepareTiming(MACHINE, { timeScale: 1, maxRetryIntervalMs: 250 }).definition;
    expect(state(capped, 'Poll').Retry).toEqual([
      { ErrorEquals: ['ThrottlingError'], IntervalSeconds: 0.25, BackoffRate: 2, MaxDelaySeconds: 0.25 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 0.25, MaxDelaySeconds: 0.25 },
    ]);
    const none = prepareTiming(MACHINE, { timeScale: 1, maxRetryIntervalMs: 0 }).definition;
    expect(
      (state(none, 'Poll').Retry as Array<Record<string, unknown>>).map((r) => r.IntervalSeconds),
    ).toEqual([0, 0]);
  });

  it('turns every Wait, nested ones included, into a local timer Task that evaluates the same field', () => {
    const { definition, rewrittenWaits } = prepareTiming(MACHINE, {
      timeScale: 0.5,
      maxRetryIntervalMs: undefined,
    });
    expect([...rewrittenWaits].sort()).toEqual(['Pause', 'Until']);
    expect(state(definition, 'Pause')).toEqual({
      Type: 'Task',
      Resource: LOCAL_WAIT_RESOURCE,
      InputPath: '$.task',
      Parameters: { 'input.$': '$', 'seconds.$': '$.pollSeconds' },
      TimeoutSeconds: MAX_TIMER_SECONDS,
      Next: 'Fan',
    });
    expect(state(definition, 'Until').Parameters).toEqual({
      'input.$': '$',
      timestamp: '2030-01-01T00:00:00Z',
    });
  });

  it('leaves Waits alone at timeScale 1, and gives timers only delays Node can hold', () => {
    const { definition, rewrittenWaits } = prepareTiming(MACHINE, {
      timeScale: 1,
      maxRetryIntervalMs: undefined,
    });
    expect(rewrittenWaits.size).toBe(0);
    expect(state(definition, 'Pause').Type).toBe('Wait');
    expect(definition.TimeoutSeconds).toBe(MAX_TIMER_SECONDS);
    // No TimeoutSeconds: AWS has no task timeout, the library would impose 60 s.
    expect(state(definition, 'Poll').TimeoutSeconds).toBe(MAX_TIMER_SECONDS);
    expect(state(definition, 'Each').TimeoutSeconds).toBe(30);
  });

  it('works on a copy: the definition it was given is unchanged', () => {
    const before = structuredClone(MACHINE);
    prepareTiming(MACHINE, { timeScale: 0.001, maxRetryIntervalMs: 5 });
    expect(MACHINE).toEqual(before);
  });
});
