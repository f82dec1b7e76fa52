using Sleeper.Core.Tables;

namespace Sleeper.Splitter;

/// <summary>What a splitting worker did before it went idle.</summary>
public sealed record SplittingWorkerResult(int Rounds, int PartitionsSplit);

/// <summary>
/// A worker that runs splitting rounds over the instance's online tables, one round every poll interval, and
/// exits once a whole idle timeout has passed with nothing split (so it scales to zero like the other workers).
/// </summary>
public sealed class SplittingWorker(Func<CancellationToken, Task<IReadOnlyList<SleeperTable>>> onlineTables, PartitionSplitterOptions options)
{
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    public async Task<SplittingWorkerResult> RunAsync(TimeSpan idleTimeout, IProgress<SplittingRoundResult>? progress = null, CancellationToken cancellationToken = default)
    {
        var time = options.Time;
        var lastSplit = time.GetUtcNow();
        int rounds = 0, split = 0;
        while (true)
        {
            var splitThisRound = 0;
            foreach (var table in await onlineTables(cancellationToken))
            {
                var result = await new PartitionSplitter(table, options).RunRoundAsync(cancellationToken);
                splitThisRound += result.Splits.Count();
                progress?.Report(result);
            }
            rounds++;
            split += splitThisRound;
            var now = time.GetUtcNow();
            if (splitThisRound > 0)
            {
                lastSplit = now;
            }
            var idleLeft = idleTimeout - (now - lastSplit);
            if (idleLeft <= TimeSpan.Zero)
            {
                return new SplittingWorkerResult(rounds, split);
            }
            await Task.Delay(idleLeft < PollInterval ? idleLeft : PollInterval, time, cancellationToken);
        }
    }
}
