using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sleeper.Core.Tracking;
using Sleeper.StateStore.LocalFiles;

namespace Sleeper.Instance;

/// <summary>
/// The query tracker in the instance folder: query events appended as JSON lines to <c>queries.jsonl</c>, each line
/// in a single O_APPEND write (<see cref="AtomicFiles.Append"/>), so many workers can record at once without tearing
/// lines, as the <see cref="FileJobTracker"/> does. A reader skips a line still being written.
/// </summary>
public sealed class FileQueryTracker : IQueryTracker
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly string _file;

    public FileQueryTracker(string folder)
    {
        Directory.CreateDirectory(folder);
        _file = Path.Combine(folder, "queries.jsonl");
    }

    public Task RecordAsync(QueryEvent queryEvent, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AtomicFiles.Append(_file, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(queryEvent, Options) + "\n"));
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<QueryEvent>> ReadEventsAsync(string? queryId = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(_file))
        {
            return [];
        }
        string text;
        await using (var stream = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream))
        {
            text = await reader.ReadToEndAsync(cancellationToken);
        }
        var events = new List<QueryEvent>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                if (JsonSerializer.Deserialize<QueryEvent>(line, Options) is { } e && (queryId is null || e.QueryId == queryId))
                {
                    events.Add(e);
                }
            }
            catch (JsonException)
            {
                // A line still being written by another process: it will be whole next time.
            }
        }
        return events;
    }
}
