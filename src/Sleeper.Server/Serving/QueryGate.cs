using Microsoft.AspNetCore.Http;

namespace Sleeper.Server.Serving;

/// <summary>
/// Bounds the queries running at once, REST and WebSocket together. A query past the bound is refused at once
/// with 429 rather than queued: a queue would only hide the overload and hold the caller's connection.
/// </summary>
public sealed class QueryGate(ServerLimits limits)
{
    private readonly SemaphoreSlim _slots = new(limits.MaxConcurrentQueries, limits.MaxConcurrentQueries);

    /// <summary>A slot, released when disposed; 429 when none is free.</summary>
    public IDisposable Enter()
    {
        if (!_slots.Wait(0))
        {
            throw new ApiException(StatusCodes.Status429TooManyRequests,
                $"The server is already running {limits.MaxConcurrentQueries} queries (sleeper.server.query.concurrent.max); try again shortly.");
        }
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
