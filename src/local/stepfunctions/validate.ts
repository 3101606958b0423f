import aslValidator from 'asl-validator';
import { type AslDefinition, DefinitionError, visitStates } from './definition.js';

/** The definition is not valid ASL; `problems` lists what asl-validator or the runner found. */
export class AslValidationError extends DefinitionError {
  constructor(
    origin: string,
    readonly problems: readonly string[],
  ) {
    super(`${origin} is not a valid state machine:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Validates the substituted definition (what Step Functions would receive) with asl-validator, then
 * refuses what aws-local-stepfunctions 3.x would silently run differently from AWS: JSONata,
 * variables, and the distributed-Map fields it ignores.
 */
export function validateDefinition(definition: AslDefinition, origin: string): void {
  const problems = problemsOf(definition);
  if (problems.length > 0) throw new AslValidationError(origin, problems);
}

// asl-validator compiles its JSON schemas on every call (60-300 ms here) while a run takes a few
// ms; tests and rehearsals run the same few definitions many times, so results are memoised by
// the exact definition text.
const checked = new Map<string, readonly string[]>();
const MAX_REMEMBERED = 64;

function problemsOf(definition: AslDefinition): readonly string[] {
  const text = JSON.stringify(definition);
  const known = checked.get(text);
  if (known) return known;
  // asl-validator writes a QueryLanguage default into every state it visits: give it a copy.
  const result = aslValidator(JSON.parse(text), { checkPaths: true, checkArn: true });
  const problems = [...(result.isValid ? [] : [result.errorsText('\n')]), ...unsupportedFeatures(definition)];
  if (checked.size >= MAX_REMEMBERED) checked.clear();
  checked.set(text, problems);
  return problems;
}

// Fields that only exist with JSONata or variables, or that change a Map's semantics in ways the
// library ignores (it would run an inline Map over ItemsPath and report success).
const UNSUPPORTED_FIELDS: Readonly<Record<string, string>> = {
  Assign:
    'variables (Assign) are not supported by aws-local-stepfunctions; pass data through the state input',
  Arguments: 'Arguments is JSONata; use Parameters',
  Output: 'Output is JSONata; use ResultSelector/ResultPath/OutputPath',
  Items: 'Items is JSONata; use ItemsPath',
  ItemReader: 'distributed Map (ItemReader) is not supported locally',
  ItemBatcher: 'distributed Map (ItemBatcher) is not supported locally',
  ResultWriter: 'distributed Map (ResultWriter) is not supported locally',
  ToleratedFailureCount: 'ToleratedFailureCount is ignored by aws-local-stepfunctions',
  ToleratedFailurePercentage: 'ToleratedFailurePercentage is ignored by aws-local-stepfunctions',
  ToleratedFailureCountPath: 'ToleratedFailureCountPath is ignored by aws-local-stepfunctions',
  ToleratedFailurePercentagePath: 'ToleratedFailurePercentagePath is ignored by aws-local-stepfunctions',
  HeartbeatSecondsPath: 'HeartbeatSecondsPath is not supported locally; use HeartbeatSeconds',
};

function unsupportedFeatures(definition: AslDefinition): string[] {
  const problems: string[] = [];
  if (definition.QueryLanguage === 'JSONata')
    problems.push('QueryLanguage JSONata: write the machine in JSONPath');
  for (const { state, path } of visitStates(definition)) {
    if (state.QueryLanguage === 'JSONata') problems.push(`${path}: QueryLanguage JSONata: use JSONPath`);
    for (const [field, reason] of Object.entries(UNSUPPORTED_FIELDS)) {
      if (field in state) problems.push(`${path}.${field}: ${reason}`);
    }
  }
  return problems;
}
