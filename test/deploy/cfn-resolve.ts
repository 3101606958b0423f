/**
 * Evaluates a packaged template's intrinsic functions for one set of stack parameters, the way
 * CloudFormation would at deploy time, so its policies can be simulated with real ARNs: Ref (parameters,
 * pseudo parameters, resources), Fn::GetAtt (Arn), Fn::Sub, Fn::Join, Fn::Split, Fn::Select, Fn::If with
 * the template's Conditions (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), and AWS::NoValue.
 * Physical names follow the resource's own name property; a resource without one gets its logical id.
 */
import type { Json, JsonObject, Template } from './packaged.js';

export interface Stack {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  /** Parameter values; CommaDelimitedList values are split like CloudFormation does. */
  readonly params: Readonly<Record<string, string>>;
}

const NO_VALUE = Symbol('AWS::NoValue');
type Value = Json | typeof NO_VALUE;

export class Resolver {
  constructor(
    private readonly template: Template,
    private readonly stack: Stack,
  ) {}

  /** The value with every intrinsic evaluated and AWS::NoValue entries dropped. */
  resolve(value: Json): Json {
    const resolved = this.value(value);
    if (resolved === NO_VALUE) throw new Error('the value itself is AWS::NoValue');
    return resolved;
  }

  condition(name: string): boolean {
    const definition = this.template.Conditions[name];
    if (definition === undefined) throw new Error(`no condition ${name}`);
    return this.truth(definition);
  }

  /** Whether a resource exists for these parameters (its Condition). */
  exists(logicalId: string): boolean {
    const condition = this.template.Resources[logicalId]?.Condition;
    return condition === undefined || this.condition(condition);
  }

  param(name: string): Json {
    const definition = this.template.Parameters[name];
    if (!definition) throw new Error(`no parameter ${name}`);
    const given = this.stack.params[name] ?? definition.Default;
    if (given === undefined || given === null) throw new Error(`parameter ${name} has no value`);
    const text = String(given);
    const list = definition.Type === 'CommaDelimitedList';
    // CloudFormation applies a CommaDelimitedList's AllowedPattern to each element.
    for (const value of list ? text.split(',') : [text]) {
      if (definition.AllowedPattern && !new RegExp(String(definition.AllowedPattern)).test(value))
        throw new Error(`parameter ${name}: ${value} does not match its AllowedPattern`);
    }
    if (list) return text === '' ? [''] : text.split(',');
    if (definition.Type === 'Number') return Number(text);
    return text;
  }

  private truth(value: Json): boolean {
    if (typeof value === 'boolean') return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new Error(`not a condition: ${JSON.stringify(value)}`);
    const [fn, args] = Object.entries(value)[0] as [string, Json];
    const list = args as Json[];
    switch (fn) {
      case 'Condition':
        return this.condition(String(args));
      case 'Fn::Not':
        return !this.truth(list[0] as Json);
      case 'Fn::And':
        return list.every((item) => this.truth(item));
      case 'Fn::Or':
        return list.some((item) => this.truth(item));
      case 'Fn::Equals':
        return JSON.stringify(this.value(list[0] as Json)) === JSON.stringify(this.value(list[1] as Json));
      default:
        throw new Error(`not a condition function: ${fn}`);
    }
  }

  private value(value: Json): Value {
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value))
      return value.map((item) => this.value(item)).filter((item): item is Json => item !== NO_VALUE);
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0] as string;
      const args = value[key] as Json;
      switch (key) {
        case 'Ref':
          return this.ref(String(args));
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(args) ? args.map(String) : String(args).split('.');
          return this.getAtt(String(id), String(attribute));
        }
        case 'Fn::Sub':
          return this.sub(args);
        case 'Fn::Join': {
          const [separator, items] = args as [string, Json];
          const list = this.value(items) as Json[];
          return list.map(String).join(separator);
        }
        case 'Fn::Split': {
          const [separator, text] = args as [string, Json];
          return String(this.value(text)).split(separator);
        }
        case 'Fn::Select': {
          const [index, items] = args as [Json, Json];
          return (this.value(items) as Json[])[Number(this.value(index))] as Json;
        }
        case 'Fn::If': {
          const [name, yes, no] = args as [string, Json, Json];
          return this.value(this.condition(name) ? yes : no);
        }
        case 'Condition':
          return this.condition(String(args));
      }
    }
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = this.value(item);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  private sub(args: Json): string {
    const [text, vars] = Array.isArray(args) ? (args as [string, JsonObject]) : [String(args), {}];
    return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (vars[name] !== undefined) return String(this.value(vars[name] as Json));
      if (name.includes('.')) {
        const [id, attribute] = name.split('.');
        return String(this.getAtt(String(id), String(attribute)));
      }
      return String(this.ref(name));
    });
  }

  ref(name: string): Value {
    const { partition, region, account, stackName } = this.stack;
    switch (name) {
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::Partition':
        return partition;
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return account;
      case 'AWS::StackName':
        return stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
    }
    if (this.template.Parameters[name]) return this.param(name);
    const resource = this.template.Resources[name];
    if (!resource) throw new Error(`Ref to unknown ${name}`);
    const arn = this.arnOf(name);
    switch (resource.Type) {
      case 'AWS::SNS::Topic':
      case 'AWS::StepFunctions::StateMachine':
        return arn;
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${this.nameOf(name)}`;
      default:
        return this.nameOf(name);
    }
  }

  /** Arn is modelled; any other attribute resolves to `<id>.<attribute>`, a stand-in string. */
  getAtt(id: string, attribute: string): Json {
    if (attribute !== 'Arn') return `${id}.${attribute}`;
    return this.arnOf(id);
  }

  /** The template as deployed for these parameters: resources whose Condition fails are left out. */
  resolvedTemplate(): JsonObject {
    const resources: JsonObject = {};
    for (const [id, resource] of Object.entries(this.template.Resources)) {
      if (!this.exists(id)) continue;
      const { Condition: _condition, ...rest } = resource;
      resources[id] = this.resolve(rest as unknown as Json);
    }
    return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
  }

  /** The resource's physical name: its name property, else (like CloudFormation's generated names) its id. */
  nameOf(id: string): string {
    const resource = this.template.Resources[id];
    if (!resource) throw new Error(`no resource ${id}`);
    const props = resource.Properties ?? {};
    const property = [
      'FunctionName',
      'LogGroupName',
      'TopicName',
      'StateMachineName',
      'TableName',
      'QueueName',
      'RoleName',
      'Name',
      'AliasName',
      'AlarmName',
      'BucketName',
    ].find((key) => props[key] !== undefined);
    if (property) return String(this.value(props[property] as Json));
    if (resource.Type === 'AWS::KMS::Key')
      return `00000000-0000-0000-0000-${id.length.toString().padStart(12, '0')}`;
    return id;
  }

  arnOf(id: string): string {
    const resource = this.template.Resources[id];
    if (!resource) throw new Error(`no resource ${id}`);
    const { partition: p, region: r, account: a } = this.stack;
    const name = this.nameOf(id);
    switch (resource.Type) {
      case 'AWS::Lambda::Function':
        return `arn:${p}:lambda:${r}:${a}:function:${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${p}:logs:${r}:${a}:log-group:${name}:*`;
      case 'AWS::SNS::Topic':
        return `arn:${p}:sns:${r}:${a}:${name}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${p}:states:${r}:${a}:stateMachine:${name}`;
      case 'AWS::DynamoDB::Table':
        return `arn:${p}:dynamodb:${r}:${a}:table/${name}`;
      case 'AWS::KMS::Key':
        return `arn:${p}:kms:${r}:${a}:key/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:${p}:sqs:${r}:${a}:${name}`;
      case 'AWS::IAM::Role':
        return `arn:${p}:iam::${a}:role/${name}`;
      case 'AWS::Events::Rule':
        return `arn:${p}:events:${r}:${a}:rule/${name}`;
      case 'AWS::S3::Bucket':
        return `arn:${p}:s3:::${name}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:${p}:cloudwatch:${r}:${a}:alarm:${name}`;
      default:
        throw new Error(`no ARN model for ${resource.Type} (${id})`);
    }
  }
}
