import type { PluginName } from '../../ports/dms.js';
import type { SlotFact, SourceFacts, TargetFacts } from './facts.js';
import type { Check } from './finding.js';
import { detectPlatform, type Platform } from './platform.js';
import { type Scope, selectScope } from './scope.js';
import type { TableMappings } from './table-mappings.js';

export interface PreflightOptions {
  /** The existing slot a CDC-only task will start from (DMS `SlotName`). */
  readonly slotName?: string;
  /**
   * The run creates the slot when it is missing (the cutover's `slot.create`, whose EnsureSlot runs
   * after preflight): a missing slot is then expected, not a blocker.
   */
  readonly createSlot?: boolean;
  /** DMS `PluginName`; when absent it is what DMS would choose (see effectivePlugin). */
  readonly plugin?: PluginName;
  readonly tableMappings?: TableMappings;
  /** Open transactions older than this are reported (default 300 s). */
  readonly longTransactionSeconds?: number;
  /**
   * The DMS engine version that will read the source, and where it came from: the replication
   * instance's EngineVersion (AWS) or --dms-version (CLI). Without it, the newest engine in
   * dms-source-versions.ts is assumed and the finding says so.
   */
  readonly dmsEngine?: DmsEngine;
  /** The DMS target endpoint's engine when it is not PostgreSQL: 'kinesis' adds the Kinesis guidance. */
  readonly targetEngine?: 'kinesis';
  /** The longest a task may stay stopped (planned), for idle_replication_slot_timeout (default one day). */
  readonly longestDowntimeSeconds?: number;
}

export interface DmsEngine {
  readonly version: string;
  readonly from: 'replication-instance' | 'option';
}

export interface EffectivePlugin {
  readonly name: PluginName;
  /** option: --plugin; slot: the named slot's plugin; dms-default: what DMS picks on its own. */
  readonly chosenBy: 'option' | 'slot' | 'dms-default';
}

/** Everything a check may look at: the facts and what follows from them and the options. */
export interface EvaluationContext {
  readonly facts: SourceFacts;
  readonly platform: Platform;
  readonly scope: Scope;
  readonly plugin: EffectivePlugin;
  readonly slotName: string | undefined;
  /** The named slot when it exists. */
  readonly slot: SlotFact | undefined;
  /** A missing slot will be created by the run (PreflightOptions.createSlot). */
  readonly createSlot: boolean;
  readonly longTransactionSeconds: number;
  /** PreflightOptions.dmsEngine, when known. */
  readonly dmsEngine: DmsEngine | undefined;
  readonly targetEngine: 'kinesis' | undefined;
  readonly longestDowntimeSeconds: number | undefined;
  /** Facts about the target, when one was given. */
  readonly target: TargetFacts | undefined;
}

export const DEFAULT_LONG_TRANSACTION_SECONDS = 300;

export function buildContext(
  facts: SourceFacts,
  options: PreflightOptions,
  target: TargetFacts | undefined,
): EvaluationContext {
  const slot = options.slotName
    ? facts.replication.slots.find((s) => s.slotName === options.slotName)
    : undefined;
  return {
    facts,
    platform: detectPlatform(facts.server),
    scope: selectScope(facts.tables, options.tableMappings),
    plugin: effectivePlugin(facts, options.plugin, slot),
    slotName: options.slotName,
    slot,
    createSlot: options.createSlot === true,
    longTransactionSeconds: options.longTransactionSeconds ?? DEFAULT_LONG_TRANSACTION_SECONDS,
    dmsEngine: options.dmsEngine,
    targetEngine: options.targetEngine,
    longestDowntimeSeconds: options.longestDowntimeSeconds,
    target,
  };
}

/**
 * The plugin DMS will decode with: the one asked for; else the existing slot's; else DMS's own
 * choice, which is pglogical whenever the pglogical extension is installed, test_decoding otherwise.
 */
export function effectivePlugin(
  facts: SourceFacts,
  requested: PluginName | undefined,
  slot: SlotFact | undefined,
): EffectivePlugin {
  if (requested) return { name: requested, chosenBy: 'option' };
  if (slot?.plugin === 'pglogical') return { name: 'pglogical', chosenBy: 'slot' };
  if (slot?.plugin === 'test_decoding') return { name: 'test-decoding', chosenBy: 'slot' };
  const pglogical = facts.extensions.some((e) => e.name === 'pglogical');
  return { name: pglogical ? 'pglogical' : 'test-decoding', chosenBy: 'dms-default' };
}

/** The output plugin name PostgreSQL uses for a DMS PluginName. */
export function pgPluginName(plugin: PluginName): string {
  return plugin === 'test-decoding' ? 'test_decoding' : 'pglogical';
}

/** A preflight check: pure, over the evaluation context. */
export type PreflightCheck = Check<EvaluationContext>;
