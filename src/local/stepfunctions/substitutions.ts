import { DefinitionError } from './definition.js';

/**
 * CloudFormation `DefinitionSubstitutions` replace `${Name}` in the definition text. Locally a
 * placeholder resolves to, in order: an explicit substitution, or (when a task handler is registered
 * under that name) a fake Lambda ARN whose function name is the placeholder, so the runner can find
 * the handler again from the ARN. Anything else is an error: running with a literal `${Name}` left
 * in the definition would test something that is never deployed.
 */
const PLACEHOLDER = /\$\{([^}]*)\}/gu;

/** Account and region that cannot be mistaken for a real deployment (the documentation account). */
export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_REGION = 'us-east-1';

const LAMBDA_FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/u;

export interface SubstitutionSources {
  readonly substitutions: Readonly<Record<string, string>>;
  /** Names that become fake Lambda ARNs (the keys of the task handler map). */
  readonly handlerNames: ReadonlySet<string>;
}

export function substitutePlaceholders(text: string, sources: SubstitutionSources, origin: string): string {
  const unresolved = new Set<string>();
  const result = text.replace(PLACEHOLDER, (whole, name: string) => {
    const explicit = sources.substitutions[name];
    if (explicit !== undefined) return explicit;
    if (sources.handlerNames.has(name)) return localLambdaArn(name);
    unresolved.add(name);
    return whole;
  });
  if (unresolved.size > 0) {
    const names = [...unresolved].map((name) => `\${${name}}`).join(', ');
    throw new DefinitionError(
      `${origin}: no value for ${names}; pass a task handler under that name (for a Lambda ARN) ` +
        'or a value in `substitutions` (as DefinitionSubstitutions does when deploying)',
    );
  }
  return result;
}

export function localLambdaArn(functionName: string): string {
  if (!LAMBDA_FUNCTION_NAME.test(functionName)) {
    throw new DefinitionError(
      `"${functionName}" cannot be a Lambda function name (1-64 letters, digits, - or _)`,
    );
  }
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`;
}

/**
 * The function name in any form Lambda's Invoke accepts: `name`, `name:qualifier`,
 * `123456789012:function:name`, or a full ARN with or without a qualifier.
 */
export function lambdaFunctionName(nameOrArn: string): string {
  const marker = ':function:';
  const at = nameOrArn.indexOf(marker);
  const rest = at >= 0 ? nameOrArn.slice(at + marker.length) : nameOrArn;
  return rest.split(':')[0] ?? rest;
}
