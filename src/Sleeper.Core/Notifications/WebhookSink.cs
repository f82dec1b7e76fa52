using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sleeper.Core.Notifications;

/// <summary>How a <see cref="WebhookSink"/> delivers: retries, their first delay (doubled each time up to the maximum), one attempt's timeout.</summary>
public sealed record WebhookOptions(int Retries = 5, TimeSpan? FirstRetryDelay = null, TimeSpan? MaxRetryDelay = null, TimeSpan? Timeout = null, int Capacity = 10_000)
{
    public TimeSpan FirstDelay => FirstRetryDelay ?? TimeSpan.FromSeconds(1);

    public TimeSpan MaxDelay => MaxRetryDelay ?? TimeSpan.FromMinutes(5);

    public TimeSpan AttemptTimeout => Timeout ?? TimeSpan.FromSeconds(10);
}

/// <summary>
/// A webhook: each event is POSTed as JSON (the event log's form) to one URL, with retries and exponential backoff
/// when the receiver does not answer 2xx.
/// </summary>
/// <remarks>
/// <para>
/// Publishing only puts the event on an in-memory queue and returns, so a job that publishes never waits for the
/// receiver; one background loop delivers the events in order, each to success or to its last retry. The waits
/// between retries are on the <see cref="TimeProvider"/> given, so tests drive them. When the queue is full (a
/// receiver down for long), new events are dropped with a warning: the event log keeps every one of them.
/// </para>
/// <para>
/// Disposing stops taking events and gives those queued until <c>drainTimeout</c> (real time: a process must
/// exit) to be delivered; what is left then is given up, with a warning. The URL is never logged, as it may
/// carry a secret (a token in its query).
/// </para>
/// </remarks>
public sealed partial class WebhookSink : IEventSink, IAsyncDisposable
{
    private readonly Uri _url;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Channel<InstanceEvent> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly TimeSpan _drainTimeout;

    public WebhookSink(Uri url, WebhookOptions? options = null, TimeProvider? time = null, ILogger? logger = null, HttpMessageHandler? handler = null, TimeSpan? drainTimeout = null)
    {
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
        {
            throw new SleeperException($"The webhook URL must be http or https, not {url.Scheme}.");
        }
        _url = url;
        _options = options ?? new WebhookOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _drainTimeout = drainTimeout ?? TimeSpan.FromSeconds(10);
        _queue = Channel.CreateBounded<InstanceEvent>(new BoundedChannelOptions(_options.Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
        _loop = Task.Run(DeliverAllAsync);
    }

    /// <summary>Events delivered (a 2xx answer) since the sink was made.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Events given up after their last retry, or dropped with the queue full or the sink disposed.</summary>
    public long GivenUp => Interlocked.Read(ref _givenUp);

    private long _delivered;
    private long _givenUp;

    public Task PublishAsync(InstanceEvent instanceEvent, CancellationToken cancellationToken = default)
    {
        if (!_queue.Writer.TryWrite(instanceEvent))
        {
            Interlocked.Increment(ref _givenUp);
            Dropped(_logger, instanceEvent.Kind, instanceEvent.Id);
        }
        return Task.CompletedTask;
    }

    private async Task DeliverAllAsync()
    {
        try
        {
            await foreach (var instanceEvent in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await DeliverAsync(instanceEvent, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(InstanceEvent instanceEvent, CancellationToken cancellationToken)
    {
        var body = EventLog.ToJson(instanceEvent);
        var delay = _options.FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.AttemptTimeout);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _http.PostAsync(_url, content, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _delivered);
                    return;
                }
                failure = $"the receiver answered {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                failure = e is OperationCanceledException ? $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s" : e.Message;
            }
            if (attempt > _options.Retries)
            {
                Interlocked.Increment(ref _givenUp);
                GaveUp(_logger, instanceEvent.Kind, instanceEvent.Id, attempt, failure);
                return;
            }
            RetryLater(_logger, instanceEvent.Kind, instanceEvent.Id, attempt, failure, delay.TotalSeconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxDelay.Ticks));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_loop, Task.Delay(_drainTimeout, TimeProvider.System)).ConfigureAwait(false) != _loop)
        {
            var left = _queue.Reader.Count;
            Interlocked.Add(ref _givenUp, left);
            Abandoned(_logger, left, _drainTimeout.TotalSeconds);
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _http.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery of {Kind} event {EventId} failed (attempt {Attempt}): {Reason}; trying again in {DelaySeconds} s")]
    private static partial void RetryLater(ILogger logger, string kind, string eventId, int attempt, string reason, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery of {Kind} event {EventId} given up after {Attempts} attempts: {Reason}; it stays in the event log")]
    private static partial void GaveUp(ILogger logger, string kind, string eventId, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook queue full: {Kind} event {EventId} not sent to the webhook; it stays in the event log")]
    private static partial void Dropped(ILogger logger, string kind, string eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} event(s) not delivered to the webhook before its {Seconds} s to drain ran out; they stay in the event log")]
    private static partial void Abandoned(ILogger logger, int count, double seconds);
}
