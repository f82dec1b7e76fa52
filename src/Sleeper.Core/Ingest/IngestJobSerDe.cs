using System.Text.Json;

namespace Sleeper.Core.Ingest;

/// <summary>The JSON form of ingest and bulk import jobs on a queue, as Sleeper writes them.</summary>
public static class IngestJobSerDe
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string ToJson(IngestJob job) => JsonSerializer.Serialize(job, Options);

    public static string ToJson(BulkImportJob job) => JsonSerializer.Serialize(job, Options);

    public static IngestJob IngestFromJson(string json) => Check(Read<IngestJob>(json, "ingest"), "ingest");

    public static BulkImportJob BulkImportFromJson(string json)
    {
        var job = Read<BulkImportJob>(json, "bulk import");
        Check(new IngestJob(job.Id, job.TableName, job.TableId, job.Files), "bulk import");
        return job;
    }

    private static T Read<T>(string json, string kind)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new SleeperException($"An {kind} job message is empty.");
        }
        catch (JsonException e)
        {
            throw new SleeperException($"An {kind} job message is not valid JSON: {e.Message}");
        }
    }

    private static IngestJob Check(IngestJob job, string kind)
    {
        if (string.IsNullOrEmpty(job.Id))
        {
            throw new SleeperException($"An {kind} job message has no id.");
        }
        if (job.TableName is null && job.TableId is null)
        {
            throw new SleeperException($"{kind} job {job.Id} names no table (tableName or tableId).");
        }
        if (job.Files is null || job.Files.Count == 0)
        {
            throw new SleeperException($"{kind} job {job.Id} has no files.");
        }
        return job;
    }
}
