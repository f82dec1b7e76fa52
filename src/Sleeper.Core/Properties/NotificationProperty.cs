namespace Sleeper.Core.Properties;

/// <summary>Instance properties of notifications: the sinks failures and dead letters are published to.</summary>
public static class NotificationProperty
{
    public static readonly PropertyDefinition WebhookUrl = PropertyDefinition.Text(
        "sleeper.notifications.webhook.url", null,
        "Every event of the instance's event log (failed and dead-lettered jobs, failed commits, stuck queues) is also POSTed as JSON to this URL; unset, there is no webhook.");

    public static readonly PropertyDefinition WebhookRetries = PropertyDefinition.NonNegativeInt(
        "sleeper.notifications.webhook.retries", 5,
        "How many times a webhook delivery that fails (no answer, or a status other than 2xx) is tried again before the event is given up (it stays in the event log).");

    public static readonly PropertyDefinition WebhookRetryDelaySeconds = PropertyDefinition.PositiveInt(
        "sleeper.notifications.webhook.retry.delay.seconds", 1,
        "The wait before the first retry of a webhook delivery; each further retry waits twice as long, up to 5 minutes.");

    public static readonly PropertyDefinition WebhookTimeoutSeconds = PropertyDefinition.PositiveInt(
        "sleeper.notifications.webhook.timeout.seconds", 10,
        "How long one webhook delivery may take before it counts as failed.");

    public static readonly PropertyDefinition QueueStuckMinutes = PropertyDefinition.PositiveInt(
        "sleeper.notifications.queue.stuck.minutes", 15,
        "A job queue whose visible messages have not fallen in number for this long is published as stuck (its workers are not running or not keeping up).");

    public static readonly IReadOnlyList<PropertyDefinition> All = [WebhookUrl, WebhookRetries, WebhookRetryDelaySeconds, WebhookTimeoutSeconds, QueueStuckMinutes];
}
