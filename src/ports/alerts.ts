/**
 * Where health-check alerts go (docs/architecture.md, "Health checks and alerts"). Two adapters: SNS in AWS, and a JSON Lines
 * sink in local mode. Both render and check a message with src/core/alerts/sns-message.ts, so anything
 * the local sink accepts, SNS Publish accepts too.
 */
export interface Alerts {
  publish(alert: AlertMessage): Promise<{ readonly messageId: string }>;
}

export type Severity = 'INFO' | 'WARNING' | 'CRITICAL' | 'RESOLVED';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: JsonValue;
}

/**
 * SNS MessageAttributes (DataType String) that subscription filter policies match on. `severity` and
 * `source` are always present; `slot` and `metric` when the alert is about one; anything else is
 * an extra attribute. An undefined value means "not sent".
 */
export interface AlertAttributes {
  readonly severity: Severity;
  readonly source: string;
  readonly slot?: string;
  readonly metric?: string;
  readonly [name: string]: string | undefined;
}

export interface AlertMessage {
  /** SNS Subject (the e-mail subject): printable ASCII, under 100 characters. */
  readonly subject: string;
  /** For people: the numbers, the trend, the likely cause and the remedy. */
  readonly body: string;
  /** For programs (SQS, HTTPS subscribers): appended to the message after PAYLOAD_MARKER. */
  readonly payload: JsonObject;
  readonly attributes: AlertAttributes;
}

/** The fields of SNS Publish this message fills, named as in the API (TopicArn is the adapter's). */
export interface SnsPublishFields {
  readonly Subject: string;
  readonly Message: string;
  readonly MessageAttributes: Readonly<
    Record<string, { readonly DataType: 'String'; readonly StringValue: string }>
  >;
}
