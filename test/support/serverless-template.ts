import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

/**
 * serverless.yml read as it is (no packaging): its CloudFormation short-form tags become the long
 * forms, and `resolve` evaluates what a stack would hold for given parameter values, for the
 * intrinsic functions conditions and properties use (Ref to a parameter, Fn::If, Fn::Not, Fn::Equals,
 * Fn::And, Fn::Or, Fn::Join, Condition). Anything else is refused rather than guessed.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const ROOT = path.resolve(import.meta.dirname, '../..');
const FN_TAGS = ['If', 'Not', 'Equals', 'And', 'Or', 'Join', 'Sub', 'Select', 'Split', 'FindInMap'];
const OTHER_TAGS = ['Base64', 'Cidr', 'GetAZs', 'ImportValue'];

function cfnTypes(): yaml.Type[] {
  const kinds = ['scalar', 'sequence', 'mapping'] as const;
  const types: yaml.Type[] = [];
  for (const kind of kinds) {
    types.push(new yaml.Type('!Ref', { kind, construct: (data) => ({ Ref: data }) }));
    types.push(new yaml.Type('!Condition', { kind, construct: (data) => ({ Condition: data }) }));
    types.push(
      new yaml.Type('!GetAtt', {
        kind,
        construct: (data) => ({ 'Fn::GetAtt': typeof data === 'string' ? data.split('.') : data }),
      }),
    );
    for (const name of [...FN_TAGS, ...OTHER_TAGS])
      types.push(new yaml.Type(`!${name}`, { kind, construct: (data) => ({ [`Fn::${name}`]: data }) }));
  }
  return types;
}

export interface ServerlessFile {
  readonly params: { readonly default: Record<string, string> };
  readonly provider: { readonly stackParameters: { ParameterKey: string; ParameterValue: string }[] };
  readonly resources: {
    readonly Parameters: Record<string, { Type: string; Default?: string }>;
    readonly Conditions: Record<string, Json>;
    readonly Resources: Record<string, { Type: string; Condition?: string; Properties: JsonObject }>;
  };
}

export function readServerlessYml(): ServerlessFile {
  const text = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
  return yaml.load(text, { schema: yaml.DEFAULT_SCHEMA.extend(cfnTypes()) }) as ServerlessFile;
}

/**
 * The stack parameter values a deploy passes: each `${param:x}` of provider.stackParameters from
 * params.default, overridden by `params` (what `--param=x=...` would give); CloudFormation's Default
 * for a parameter no stackParameter sets. A CommaDelimitedList becomes its list, as Ref returns it.
 */
export function stackParameters(
  file: ServerlessFile,
  params: Record<string, string> = {},
): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  const given = new Map(file.provider.stackParameters.map((p) => [p.ParameterKey, p.ParameterValue]));
  for (const [name, definition] of Object.entries(file.resources.Parameters)) {
    const raw = given.get(name);
    const param = raw === undefined ? undefined : /^\$\{param:([A-Za-z0-9]+)\}$/.exec(raw)?.[1];
    const text =
      param === undefined ? (definition.Default ?? '') : (params[param] ?? file.params.default[param] ?? '');
    values[name] = definition.Type === 'CommaDelimitedList' ? String(text).split(',') : String(text);
  }
  return values;
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Evaluates `node` as CloudFormation would with these parameter values. */
export function resolve(
  file: ServerlessFile,
  parameters: Record<string, string | string[]>,
  node: Json,
): Json {
  const conditions = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    const known = conditions.get(name);
    if (known !== undefined) return known;
    const definition = file.resources.Conditions[name];
    if (definition === undefined) throw new Error(`no condition ${name}`);
    const value = walk(definition);
    if (typeof value !== 'boolean') throw new Error(`condition ${name} is not a boolean`);
    conditions.set(name, value);
    return value;
  };
  const walk = (value: Json): Json | typeof NO_VALUE => {
    if (Array.isArray(value)) return value.map(walk).filter((v): v is Json => v !== NO_VALUE);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      const argument = value[key] as Json;
      const fn = intrinsic(key, argument, walk, condition, parameters);
      if (fn.handled) return fn.value;
    }
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const resolved = walk(child);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  };
  const result = walk(node);
  if (result === NO_VALUE) throw new Error('the node resolved to AWS::NoValue');
  return result;
}

type Walk = (value: Json) => Json | typeof NO_VALUE;

function intrinsic(
  key: string,
  argument: Json,
  walk: Walk,
  condition: (name: string) => boolean,
  parameters: Record<string, string | string[]>,
): { handled: false } | { handled: true; value: Json | typeof NO_VALUE } {
  const args = Array.isArray(argument) ? argument : [];
  switch (key) {
    case 'Ref': {
      if (argument === 'AWS::NoValue') return { handled: true, value: NO_VALUE };
      const value = parameters[String(argument)];
      if (value === undefined) throw new Error(`Ref ${String(argument)}: not a parameter this helper knows`);
      return { handled: true, value };
    }
    case 'Condition':
      return { handled: true, value: condition(String(argument)) };
    case 'Fn::If':
      return { handled: true, value: walk((condition(String(args[0])) ? args[1] : args[2]) as Json) };
    case 'Fn::Not':
      return { handled: true, value: !walk(args[0] as Json) };
    case 'Fn::And':
      return { handled: true, value: args.every((a) => walk(a) === true) };
    case 'Fn::Or':
      return { handled: true, value: args.some((a) => walk(a) === true) };
    case 'Fn::Equals':
      return {
        handled: true,
        value: JSON.stringify(walk(args[0] as Json)) === JSON.stringify(walk(args[1] as Json)),
      };
    case 'Fn::Join': {
      const list = walk(args[1] as Json);
      if (!Array.isArray(list)) throw new Error('Fn::Join needs a list');
      return { handled: true, value: list.map(String).join(String(args[0])) };
    }
    default:
      if (key.startsWith('Fn::')) throw new Error(`${key} is not evaluated by this helper`);
      return { handled: false };
  }
}
