using System.Text;
using Sleeper.Core.StateStore;

namespace Sleeper.StateStore.Tests;

/// <summary>A canonical text form of a state, so two states compare as strings and differ readably.</summary>
public static class StateDescriptions
{
    public static string Describe(StateStoreState state, bool withTimes = true)
    {
        var sb = new StringBuilder();
        foreach (var p in state.Partitions.Values.OrderBy(p => p.Id, StringComparer.Ordinal))
        {
            sb.AppendLine($"partition {p.Id} parent={p.ParentId} children=[{string.Join(",", p.ChildIds)}] leaf={p.IsLeaf} dim={p.Dimension} {p.Region}");
        }
        foreach (var f in state.Files.Values.OrderBy(f => f.Filename, StringComparer.Ordinal))
        {
            sb.AppendLine(withTimes ? $"file {f.Filename} updated={f.LastStateStoreUpdateTime:O}" : $"file {f.Filename}");
            foreach (var r in f.References.Values.OrderBy(r => r.PartitionId, StringComparer.Ordinal))
            {
                sb.Append($"  ref {r.PartitionId} rows={r.NumberOfRows} approx={r.CountApproximate} only={r.OnlyContainsDataForThisPartition} job={r.JobId}");
                sb.AppendLine(withTimes ? $" updated={r.LastUpdateTime:O}" : "");
            }
        }
        foreach (var (job, time) in state.CommittedJobs.OrderBy(j => j.Key, StringComparer.Ordinal))
        {
            sb.AppendLine(withTimes ? $"job {job} committed={time:O}" : $"job {job}");
        }
        return sb.ToString();
    }
}
