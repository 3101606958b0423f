import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { toSnsPublishFields } from '../../core/alerts/sns-message.js';
import { redactValue } from '../../core/redact.js';
import type { AlertMessage, Alerts } from '../../ports/alerts.js';
import type { Clock } from '../../ports/clock.js';
import { systemClock } from '../system-clock.js';

/**
 * Local mode's SNS topic: every alert becomes one JSON line in a file, shaped like the notification
 * SNS delivers to an SQS or HTTPS subscriber (without the signature fields), so what a subscriber
 * would parse can be read and tested on this machine. An alert SNS would refuse is refused here
 * with the same InvalidAlertMessageError (the checks are shared with the SNS adapter).
 */
export interface SnsNotification {
  readonly Type: 'Notification';
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject: string;
  readonly Message: string;
  readonly Timestamp: string;
  readonly MessageAttributes: Readonly<Record<string, { readonly Type: 'String'; readonly Value: string }>>;
}

export interface LocalSnsSinkOptions {
  /** The JSON Lines file; its directory is created on the first publish. */
  readonly path: string;
  readonly topicArn?: string;
  /** Called after each line is written (the rehearsal prints it). */
  readonly onPublish?: (notification: SnsNotification) => void;
  readonly clock?: Clock;
}

export const LOCAL_ALERTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:dms-cdc-local-alerts';

export class LocalSnsSink implements Alerts {
  readonly #options: LocalSnsSinkOptions;
  // Appends are chained so lines keep publish order and never interleave.
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: LocalSnsSinkOptions) {
    this.#options = options;
  }

  async publish(alert: AlertMessage): Promise<{ messageId: string }> {
    const fields = toSnsPublishFields(redactValue(alert));
    const notification: SnsNotification = {
      Type: 'Notification',
      MessageId: randomUUID(),
      TopicArn: this.#options.topicArn ?? LOCAL_ALERTS_TOPIC_ARN,
      Subject: fields.Subject,
      Message: fields.Message,
      Timestamp: new Date((this.#options.clock ?? systemClock).now()).toISOString(),
      MessageAttributes: Object.fromEntries(
        Object.entries(fields.MessageAttributes).map(([name, value]) => [
          name,
          { Type: 'String', Value: value.StringValue },
        ]),
      ),
    };
    await this.#append(`${JSON.stringify(notification)}\n`);
    this.#options.onPublish?.(notification);
    return { messageId: notification.MessageId };
  }

  #append(line: string): Promise<void> {
    const written = this.#tail.then(async () => {
      // Every time (cheap when it exists): the directory may be removed between rehearsals.
      await mkdir(dirname(this.#options.path), { recursive: true });
      await appendFile(this.#options.path, line, 'utf8');
    });
    // A failed append fails its own publish, not the ones queued after it.
    this.#tail = written.catch(() => undefined);
    return written;
  }
}
