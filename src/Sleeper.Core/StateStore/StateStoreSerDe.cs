using System.Text.Json;
using System.Text.Json.Nodes;
using Sleeper.Core.Files;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore.Transactions;

namespace Sleeper.Core.StateStore;

/// <summary>
/// JSON forms of transactions and snapshots, shared by every state store backend. Key values in regions
/// are written by the schema's types: numbers, strings, and byte arrays in base64.
/// </summary>
public sealed class StateStoreSerDe(TableSchema schema)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public TableSchema Schema { get; } = schema;

    public static string TypeName(IStateStoreTransaction transaction) => transaction switch
    {
        InitialisePartitionsTransaction => "InitialisePartitions",
        ExtendPartitionTreeTransaction => "ExtendPartitionTree",
        SplitPartitionTransaction => "SplitPartition",
        AddFilesTransaction => "AddFiles",
        SplitFileReferencesTransaction => "SplitFileReferences",
        AssignJobIdsTransaction => "AssignJobIds",
        ReleaseJobIdsTransaction => "ReleaseJobIds",
        ReplaceFileReferencesTransaction => "ReplaceFileReferences",
        DeleteFilesTransaction => "DeleteFiles",
        ClearFilesTransaction => "ClearFiles",
        _ => throw new ArgumentOutOfRangeException(nameof(transaction), transaction.GetType().Name),
    };

    public string Serialize(IStateStoreTransaction transaction)
    {
        JsonNode body = transaction switch
        {
            InitialisePartitionsTransaction t => new JsonObject { ["partitions"] = Array(t.Partitions, WritePartition) },
            ExtendPartitionTreeTransaction t => new JsonObject
            {
                ["updatedPartitions"] = Array(t.UpdatedPartitions, WritePartition),
                ["newPartitions"] = Array(t.NewPartitions, WritePartition),
            },
            SplitPartitionTransaction t => new JsonObject
            {
                ["parent"] = WritePartition(t.Parent),
                ["newChildren"] = Array(t.NewChildren, WritePartition),
            },
            AddFilesTransaction t => WithJobId(new JsonObject { ["references"] = Array(t.References, WriteReference) }, t.JobId),
            SplitFileReferencesTransaction t => new JsonObject
            {
                ["requests"] = Array(t.Requests, r => new JsonObject
                {
                    ["filename"] = r.Filename,
                    ["fromPartitionId"] = r.FromPartitionId,
                    ["newReferences"] = Array(r.NewReferences, WriteReference),
                }),
            },
            AssignJobIdsTransaction t => new JsonObject
            {
                ["requests"] = Array(t.Requests, r => new JsonObject
                {
                    ["jobId"] = r.JobId,
                    ["partitionId"] = r.PartitionId,
                    ["filenames"] = Array(r.Filenames, f => JsonValue.Create(f)),
                }),
            },
            ReleaseJobIdsTransaction t => new JsonObject
            {
                ["requests"] = Array(t.Requests, r => new JsonObject
                {
                    ["jobId"] = r.JobId,
                    ["partitionId"] = r.PartitionId,
                    ["filenames"] = Array(r.Filenames, f => JsonValue.Create(f)),
                }),
            },
            ReplaceFileReferencesTransaction t => new JsonObject
            {
                ["jobs"] = Array(t.Jobs, j => new JsonObject
                {
                    ["jobId"] = j.JobId,
                    ["partitionId"] = j.PartitionId,
                    ["inputFiles"] = Array(j.InputFiles, f => JsonValue.Create(f)),
                    ["newReference"] = WriteReference(j.NewReference),
                }),
            },
            DeleteFilesTransaction t => new JsonObject { ["filenames"] = Array(t.Filenames, f => JsonValue.Create(f)) },
            ClearFilesTransaction => new JsonObject(),
            _ => throw new ArgumentOutOfRangeException(nameof(transaction)),
        };
        return body.ToJsonString(Compact);
    }

    public IStateStoreTransaction Deserialize(string typeName, string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        return typeName switch
        {
            "InitialisePartitions" => new InitialisePartitionsTransaction(ReadArray(o["partitions"], ReadPartition)),
            "ExtendPartitionTree" => new ExtendPartitionTreeTransaction(ReadArray(o["updatedPartitions"], ReadPartition), ReadArray(o["newPartitions"], ReadPartition)),
            "SplitPartition" => new SplitPartitionTransaction(ReadPartition(o["parent"]!), ReadArray(o["newChildren"], ReadPartition)),
            "AddFiles" => new AddFilesTransaction(ReadArray(o["references"], ReadReference), o["jobId"]?.GetValue<string>()),
            "SplitFileReferences" => new SplitFileReferencesTransaction(ReadArray(o["requests"], r => new SplitFileReferenceRequest(
                Str(r, "filename"), Str(r, "fromPartitionId"), ReadArray(r["newReferences"], ReadReference)))),
            "AssignJobIds" => new AssignJobIdsTransaction(ReadArray(o["requests"], r => new AssignJobIdRequest(
                Str(r, "jobId"), Str(r, "partitionId"), ReadArray(r["filenames"], f => f.GetValue<string>())))),
            "ReleaseJobIds" => new ReleaseJobIdsTransaction(ReadArray(o["requests"], r => new AssignJobIdRequest(
                Str(r, "jobId"), Str(r, "partitionId"), ReadArray(r["filenames"], f => f.GetValue<string>())))),
            "ReplaceFileReferences" => new ReplaceFileReferencesTransaction(ReadArray(o["jobs"], j => new ReplaceFileReferencesRequest(
                Str(j, "jobId"), Str(j, "partitionId"), ReadArray(j["inputFiles"], f => f.GetValue<string>()), ReadReference(j["newReference"]!)))),
            "DeleteFiles" => new DeleteFilesTransaction(ReadArray(o["filenames"], f => f.GetValue<string>())),
            "ClearFiles" => new ClearFilesTransaction(),
            _ => throw new SleeperException($"Unknown transaction type '{typeName}' in the transaction log."),
        };
    }

    /// <summary>The whole state as JSON: the body of a snapshot.</summary>
    public string SerializeState(StateStoreState state)
    {
        var o = new JsonObject
        {
            ["partitions"] = Array(state.Partitions.Values.OrderBy(p => p.Id, StringComparer.Ordinal).ToList(), WritePartition),
            ["files"] = Array(state.Files.Values.OrderBy(f => f.Filename, StringComparer.Ordinal).ToList(), f => new JsonObject
            {
                ["filename"] = f.Filename,
                ["lastUpdateTime"] = f.LastStateStoreUpdateTime.ToUnixTimeMilliseconds(),
                ["references"] = Array(f.References.Values.ToList(), WriteReference),
            }),
            ["committedJobs"] = Array(state.CommittedJobs.OrderBy(j => j.Key, StringComparer.Ordinal).ToList(), j => new JsonObject
            {
                ["jobId"] = j.Key,
                ["time"] = j.Value.ToUnixTimeMilliseconds(),
            }),
            ["recentTransactions"] = Array(state.RecentTransactionIds.OrderBy(t => t.Key).ToList(), t => new JsonObject
            {
                ["number"] = t.Key,
                ["id"] = t.Value,
            }),
        };
        return o.ToJsonString(Compact);
    }

    public StateStoreState DeserializeState(string json)
    {
        var o = JsonNode.Parse(json)!.AsObject();
        var state = new StateStoreState();
        state.SetPartitions(ReadArray(o["partitions"], ReadPartition));
        foreach (var f in o["files"]!.AsArray())
        {
            var entry = state.GetOrAddFile(Str(f!, "filename"), DateTimeOffset.FromUnixTimeMilliseconds(f!["lastUpdateTime"]!.GetValue<long>()));
            foreach (var r in ReadArray(f["references"], ReadReference))
            {
                entry.References[r.PartitionId] = r;
            }
        }
        // Absent from snapshots written before jobs were remembered.
        foreach (var j in o["committedJobs"]?.AsArray() ?? [])
        {
            state.AddCommittedJob(Str(j!, "jobId"), DateTimeOffset.FromUnixTimeMilliseconds(j!["time"]!.GetValue<long>()));
        }
        // Absent from snapshots written before transaction ids were remembered.
        foreach (var t in o["recentTransactions"]?.AsArray() ?? [])
        {
            state.RecordTransaction(t!["number"]!.GetValue<long>(), Str(t!, "id"));
        }
        return state;
    }

    public JsonObject WritePartition(Partition p) => new()
    {
        ["id"] = p.Id,
        ["parentId"] = p.ParentId,
        ["childIds"] = Array(p.ChildIds, c => JsonValue.Create(c)),
        ["region"] = WriteRegion(p.Region),
        ["isLeaf"] = p.IsLeaf,
        ["dimension"] = p.Dimension,
    };

    public Partition ReadPartition(JsonNode n) => new(
        Str(n, "id"),
        n["parentId"]?.GetValue<string>(),
        ReadArray(n["childIds"], c => c.GetValue<string>()),
        ReadRegion(n["region"]!),
        n["isLeaf"]!.GetValue<bool>(),
        n["dimension"]!.GetValue<int>());

    /// <summary>Sleeper's region form: {"field":[min, minInclusive, max, maxInclusive], …}.</summary>
    public JsonObject WriteRegion(Region region)
    {
        var o = new JsonObject();
        foreach (var r in region.Ranges)
        {
            o[r.Field.Name] = new JsonArray(WriteKeyValue(r.Min), r.MinInclusive, WriteKeyValue(r.Max), r.MaxInclusive);
        }
        return o;
    }

    public Region ReadRegion(JsonNode node)
    {
        var ranges = new List<KeyRange>();
        foreach (var field in Schema.RowKeyFields)
        {
            var a = node[field.Name]?.AsArray()
                ?? throw new SleeperException($"A region has no range for row key '{field.Name}'.");
            ranges.Add(new KeyRange(field,
                ReadKeyValue(field, a[0]) ?? KeyValues.MinimumOf(field.PrimitiveType),
                a[1]!.GetValue<bool>(),
                ReadKeyValue(field, a[2]),
                a[3]!.GetValue<bool>()));
        }
        return new Region(ranges);
    }

    public static JsonNode? WriteKeyValue(object? value) => value switch
    {
        null => null,
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        string s => JsonValue.Create(s),
        byte[] b => JsonValue.Create(Convert.ToBase64String(b)),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.GetType().Name),
    };

    /// <summary>Reads a JSON key value as the field's type; null stays null.</summary>
    public static object? ReadKeyValue(Field field, JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }
        try
        {
            return field.PrimitiveType switch
            {
                IntType => node.GetValue<int>(),
                LongType => node.GetValue<long>(),
                StringType => node.GetValue<string>(),
                ByteArrayType => Convert.FromBase64String(node.GetValue<string>()),
                _ => throw new ArgumentOutOfRangeException(nameof(field)),
            };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new SleeperException($"Row key '{field.Name}': {node.ToJsonString()} is not a {field.PrimitiveType.Name} value.");
        }
    }

    private static JsonObject WriteReference(FileReference r) => new()
    {
        ["filename"] = r.Filename,
        ["partitionId"] = r.PartitionId,
        ["numberOfRows"] = r.NumberOfRows,
        ["countApproximate"] = r.CountApproximate,
        ["onlyContainsDataForThisPartition"] = r.OnlyContainsDataForThisPartition,
        ["jobId"] = r.JobId,
        ["lastUpdateTime"] = r.LastUpdateTime?.ToUnixTimeMilliseconds(),
    };

    private static FileReference ReadReference(JsonNode n) => new(
        Str(n, "filename"),
        Str(n, "partitionId"),
        n["numberOfRows"]!.GetValue<long>(),
        n["countApproximate"]?.GetValue<bool>() ?? false,
        n["onlyContainsDataForThisPartition"]?.GetValue<bool>() ?? true,
        n["jobId"]?.GetValue<string>(),
        n["lastUpdateTime"] is JsonNode t ? DateTimeOffset.FromUnixTimeMilliseconds(t.GetValue<long>()) : null);

    /// <summary>The job id goes in only when there is one, so AddFiles without a job reads as it always did.</summary>
    private static JsonObject WithJobId(JsonObject o, string? jobId)
    {
        if (jobId is not null)
        {
            o["jobId"] = jobId;
        }
        return o;
    }

    private static string Str(JsonNode n, string name) => n[name]?.GetValue<string>()
        ?? throw new SleeperException($"A state store record is missing '{name}'.");

    private static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode?> write) => new(items.Select(write).ToArray());

    private static IReadOnlyList<T> ReadArray<T>(JsonNode? node, Func<JsonNode, T> read) =>
        node is null ? [] : node.AsArray().Select(n => read(n!)).ToArray();
}
