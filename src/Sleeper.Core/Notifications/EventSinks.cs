using Microsoft.Extensions.Logging;

namespace Sleeper.Core.Notifications;

/// <summary>
/// Publishes each event to every sink (the event log, the webhook, …): one that fails is logged and does not keep
/// the event from the others, nor the publisher from going on.
/// </summary>
public sealed partial class EventSinks(IReadOnlyList<IEventSink> sinks, ILogger? logger = null) : IEventSink
{
    public IReadOnlyList<IEventSink> Sinks => sinks;

    public async Task PublishAsync(InstanceEvent instanceEvent, CancellationToken cancellationToken = default)
    {
        foreach (var sink in sinks)
        {
            try
            {
                await sink.PublishAsync(instanceEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (logger is not null)
                {
                    SinkFailed(logger, instanceEvent.Kind, sink.GetType().Name, e.Message);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish a {Kind} event to {Sink}: {Reason}")]
    private static partial void SinkFailed(ILogger logger, string kind, string sink, string reason);
}
