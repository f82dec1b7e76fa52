using Microsoft.AspNetCore.Http;
using Sleeper.Server.Serving;

namespace Sleeper.Server.Queries;

/// <summary>
/// One running query's share of the server: a slot of the <see cref="QueryGate"/> (429 when none is free) and a
/// token that ends at the query timeout or when the caller goes away, whichever is first.
/// </summary>
public sealed class QueryScope : IDisposable
{
    private readonly IDisposable _slot;
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly TimeSpan _limit;

    public QueryScope(QueryGate gate, ServerLimits limits, TimeProvider time, CancellationToken callerGone)
    {
        _slot = gate.Enter();
        _limit = limits.QueryTimeout;
        _timeout = new CancellationTokenSource(limits.QueryTimeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, callerGone);
    }

    public CancellationToken Token => _linked.Token;

    public bool TimedOut => _timeout.IsCancellationRequested;

    /// <summary>The error of a query stopped by the timeout, naming the limit.</summary>
    public ApiException TimeoutError() => new(StatusCodes.Status408RequestTimeout,
        $"The query ran longer than {_limit.TotalSeconds:0.###} seconds (sleeper.server.query.timeout.seconds) and was stopped; narrow it, or ask for the limit to be raised.");

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
        _slot.Dispose();
    }
}
