import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type AlertMessage, type Alerts, toSnsPublishFields } from '../../ports/alerts.js';

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
      const fields = toSnsPublishFields(alert);
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
