namespace Sleeper.CrashHarness.Faults;

/// <summary>The kinds of fault the adapters inject, counted for the report.</summary>
public enum FaultKind
{
    AppendFails,
    AppendSucceedsButReportsFailure,
    AppendConflicts,
    LogReadFails,
    LogDeleteFails,
    SnapshotWriteFails,
    ObjectWriteFails,
    ObjectReadFails,
    ObjectReadShort,
    ScratchFull,
}

/// <summary>
/// Which faults to inject and how often, drawn from one seeded random source so a trial's faults repeat with
/// its seed (as far as the order of calls repeats). A conflict storm makes the next several appends conflict,
/// as a burst of competing writers would.
/// </summary>
public sealed class FaultPlan(int seed, double probability)
{
    private readonly Random _random = new(seed);
    private readonly Dictionary<FaultKind, int> _injected = [];
    private int _stormLeft;

    /// <summary>The chance of each fault at each call that can suffer it.</summary>
    public double Probability { get; } = probability;

    /// <summary>When set, only these kinds are injected.</summary>
    public IReadOnlySet<FaultKind>? Only { get; init; }

    /// <summary>While false, nothing is injected (set-up and checks run clean).</summary>
    public bool Enabled { get; set; } = true;

    public int Total
    {
        get
        {
            lock (_random)
            {
                return _injected.Values.Sum();
            }
        }
    }

    public IReadOnlyDictionary<FaultKind, int> Injected
    {
        get
        {
            lock (_random)
            {
                return new Dictionary<FaultKind, int>(_injected);
            }
        }
    }

    /// <summary>Whether to inject <paramref name="kind"/> now; counts it when so.</summary>
    public bool Next(FaultKind kind)
    {
        lock (_random)
        {
            if (!Enabled || (Only is not null && !Only.Contains(kind)))
            {
                return false;
            }
            bool hit;
            if (kind == FaultKind.AppendConflicts)
            {
                if (_stormLeft == 0 && _random.NextDouble() < Probability)
                {
                    // Long enough to need several retries, short of the committer's attempt limit.
                    _stormLeft = 2 + _random.Next(12);
                }
                hit = _stormLeft > 0;
                if (hit)
                {
                    _stormLeft--;
                }
            }
            else
            {
                hit = _random.NextDouble() < Probability;
            }
            if (hit)
            {
                _injected[kind] = _injected.GetValueOrDefault(kind) + 1;
            }
            return hit;
        }
    }

    /// <summary>A number in [0, max), from the plan's source, for the size of a short read.</summary>
    public int NextInt(int max)
    {
        lock (_random)
        {
            return _random.Next(max);
        }
    }
}

/// <summary>The I/O error the adapters throw: an IOException, as a failing disk or connection raises.</summary>
public sealed class InjectedFaultException(FaultKind kind, string detail)
    : IOException($"Injected fault {kind}: {detail}")
{
    public FaultKind Kind { get; } = kind;
}
