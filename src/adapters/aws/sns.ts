import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { toSnsPublishFields } from '../../core/alerts/sns-message.js';
import { redactValue } from '../../core/redact.js';
import type { AlertMessage, Alerts } from '../../ports/alerts.js';
import { parseLambdaInput } from './lambda-input.js';
import { once } from './once.js';

/**
 * The Alerts port over Amazon SNS: one Publish per alert to the topic. The Subject, the Message
 * (body, payload marker, one line of JSON) and the String MessageAttributes come from
 * toSnsPublishFields, the checks every adapter shares, so an alert SNS would refuse fails here with
 * InvalidAlertMessageError before any call. SDK errors pass through with their stable names
 * (AuthorizationErrorException, KMSAccessDeniedException, ThrottledException, ...).
 */
export function buildSnsAlerts(client: SNSClient, topicArn: string): Alerts {
  return {
    async publish(alert: AlertMessage) {
      // Through the one redactor first: no subscriber ever receives a secret.
      const fields = toSnsPublishFields(redactValue(alert));
      const output = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: fields.Subject,
          Message: fields.Message,
          MessageAttributes: Object.fromEntries(
            Object.entries(fields.MessageAttributes).map(([name, value]) => [
              name,
              { DataType: value.DataType, StringValue: value.StringValue },
            ]),
          ),
        }),
      );
      if (!output.MessageId) throw new Error(`SNS Publish to ${topicArn} returned no MessageId`);
      return { messageId: output.MessageId };
    },
  };
}

const AlertTopicEnv = z.object({
  ALERT_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'),
});

/**
 * Alerts to the topic named by ALERT_TOPIC_ARN, read at each publish: a misconfigured function fails
 * the call naming the variable, instead of failing at import.
 */
export function alertTopicFromEnvironment(client: SNSClient, env: NodeJS.ProcessEnv = process.env): Alerts {
  return {
    publish: (alert) =>
      buildSnsAlerts(
        client,
        parseLambdaInput(AlertTopicEnv, { ...env }, 'environment').ALERT_TOPIC_ARN,
      ).publish(alert),
  };
}

/** The functions' alert topic (ALERT_TOPIC_ARN), built on first use and kept for the execution environment's life. */
export const defaultAlerts = once(() => alertTopicFromEnvironment(new SNSClient({})));
