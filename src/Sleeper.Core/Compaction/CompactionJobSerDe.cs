using System.Text.Json;

namespace Sleeper.Core.Compaction;

/// <summary>The JSON form of a compaction job on a queue.</summary>
public static class CompactionJobSerDe
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string ToJson(CompactionJob job) => JsonSerializer.Serialize(job, Options);

    public static CompactionJob FromJson(string json) =>
        JsonSerializer.Deserialize<CompactionJob>(json, Options) ?? throw new SleeperException("A compaction job message is empty.");
}
