using System.Diagnostics;

namespace Sleeper.Cli.Bench;

/// <summary>
/// Samples the process's working set on a timer while a case runs, because the peak the operating system
/// keeps for the process never comes down again and so cannot be attributed to one case.
/// </summary>
public sealed class MemorySampler : IDisposable
{
    private readonly Process _process = Process.GetCurrentProcess();
    private readonly Timer _timer;
    private readonly object _lock = new();
    private long _peak;
    private bool _disposed;

    public MemorySampler(TimeSpan interval)
    {
        Baseline = Sample();
        _peak = Baseline;
        _timer = new Timer(_ => Update(), null, TimeSpan.Zero, interval);
    }

    /// <summary>The working set when sampling started, in bytes.</summary>
    public long Baseline { get; }

    /// <summary>The highest working set seen so far, in bytes (including one last sample taken now).</summary>
    public long Peak
    {
        get
        {
            Update();
            lock (_lock)
            {
                return _peak;
            }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        // A callback may still be running on the thread pool; it checks this flag under the same lock.
        lock (_process)
        {
            _disposed = true;
            _process.Dispose();
        }
    }

    private void Update()
    {
        var now = Sample();
        lock (_lock)
        {
            _peak = Math.Max(_peak, now);
        }
    }

    private long Sample()
    {
        lock (_process)
        {
            if (_disposed)
            {
                return 0;
            }
            _process.Refresh();
            return _process.WorkingSet64;
        }
    }
}
