using Sleeper.Core.Files;
using Sleeper.Core.Keys;
using Sleeper.Core.Partitions;
using Sleeper.Core.Schema;
using Sleeper.Core.StateStore;
using Sleeper.Core.StateStore.Transactions;
using Xunit;

namespace Sleeper.Core.Tests.StateStore;

public class StateStoreSerDeTests
{
    private static readonly TableSchema s_schema = new(
        [
            new Field("i", IntType.Instance), new Field("l", LongType.Instance),
            new Field("s", StringType.Instance), new Field("b", ByteArrayType.Instance),
        ],
        [new Field("t", LongType.Instance)],
        [new Field("v", StringType.Instance)]);

    private static readonly StateStoreSerDe s_serDe = new(s_schema);
    private static readonly DateTimeOffset s_time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);

    private static Region Bounded() => new(
    [
        KeyRange.Of(s_schema.RowKeyFields[0], int.MinValue + 1, int.MaxValue),
        KeyRange.Of(s_schema.RowKeyFields[1], long.MinValue + 1, long.MaxValue),
        KeyRange.Of(s_schema.RowKeyFields[2], "é\U0001F600", "\"quoted\"\n"),
        KeyRange.Of(s_schema.RowKeyFields[3], new byte[] { 0, 0x80, 0xFF }, new byte[] { 0xFF }),
    ]);

    private static Partition Root => PartitionsBuilder.SingleRoot(s_schema)[0];

    private static (Partition Parent, Partition Left, Partition Right) RootSplit() =>
        PartitionsBuilder.Split(Root, 3, new byte[] { 0x80 }, "left", "right");

    private static FileReference Ref(string file, string partition, string? job = null, DateTimeOffset? time = null) =>
        new(file, partition, 1234567890123, true, false, job, time);

    public static TheoryData<string> TransactionNames => new(Transactions.Keys.ToArray());

    private static readonly Dictionary<string, IStateStoreTransaction> Transactions = new()
    {
        ["InitialisePartitions"] = new InitialisePartitionsTransaction(
            [RootSplit().Parent, RootSplit().Left, RootSplit().Right, new Partition("odd", "right", [], Bounded(), true, -1)]),
        ["ExtendPartitionTree"] = new ExtendPartitionTreeTransaction([RootSplit().Parent], [RootSplit().Left, RootSplit().Right]),
        ["SplitPartition"] = new SplitPartitionTransaction(RootSplit().Parent, [RootSplit().Left, RootSplit().Right]),
        ["AddFiles"] = new AddFilesTransaction([Ref("f1", "root"), Ref("f2", "left", time: s_time), new FileReference("f3", "right", 0)]),
        ["SplitFileReferences"] = new SplitFileReferencesTransaction(
            [new SplitFileReferenceRequest("f1", "root", [Ref("f1", "left"), Ref("f1", "right", time: s_time)])]),
        ["AssignJobIds"] = new AssignJobIdsTransaction(
            [new AssignJobIdRequest("job1", "left", ["f1", "f2"]), new AssignJobIdRequest("job2", "right", [])]),
        ["ReplaceFileReferences"] = new ReplaceFileReferencesTransaction(
            [new ReplaceFileReferencesRequest("job1", "left", ["f1", "f2"], Ref("out", "left", "job1", s_time))]),
        ["DeleteFiles"] = new DeleteFilesTransaction(["f1", "f/2 ü"]),
        ["ClearFiles"] = new ClearFilesTransaction(),
    };

    [Theory]
    [MemberData(nameof(TransactionNames))]
    public void Every_transaction_type_round_trips(string name)
    {
        var transaction = Transactions[name];
        Assert.Equal(name, StateStoreSerDe.TypeName(transaction));

        var json = s_serDe.Serialize(transaction);
        var back = s_serDe.Deserialize(name, json);

        Assert.IsType(transaction.GetType(), back);
        Assert.Equal(json, s_serDe.Serialize(back));
    }

    [Fact]
    public void Partitions_read_back_equal_including_regions_of_every_key_type()
    {
        var init = (InitialisePartitionsTransaction)s_serDe.Deserialize("InitialisePartitions", s_serDe.Serialize(Transactions["InitialisePartitions"]));

        Assert.Equal(((InitialisePartitionsTransaction)Transactions["InitialisePartitions"]).Partitions, init.Partitions);
        Assert.Equal(Bounded(), init.Partitions[^1].Region);
    }

    [Fact]
    public void Unbounded_regions_read_back_unbounded()
    {
        var whole = Region.Whole(s_schema);

        var back = s_serDe.ReadRegion(s_serDe.WriteRegion(whole));

        Assert.Equal(whole, back);
        Assert.All(back.Ranges, r => Assert.Null(r.Max));
        Assert.Equal(Array.Empty<byte>(), back[3].Min);
    }

    [Fact]
    public void Exact_key_region_keeps_its_inclusive_max()
    {
        var region = Region.ForKey(s_schema, Key.Of(-7, long.MaxValue, "\U0010FFFF", new byte[] { 0 }));

        var back = s_serDe.ReadRegion(s_serDe.WriteRegion(region));

        Assert.Equal(region, back);
        Assert.True(back[0].MaxInclusive);
    }

    [Fact]
    public void File_references_keep_every_field()
    {
        var add = (AddFilesTransaction)s_serDe.Deserialize("AddFiles", s_serDe.Serialize(Transactions["AddFiles"]));

        Assert.Equal(((AddFilesTransaction)Transactions["AddFiles"]).References, add.References);
    }

    [Fact]
    public void State_round_trips_through_a_snapshot()
    {
        var state = new StateStoreState();
        var (parent, left, right) = RootSplit();
        new InitialisePartitionsTransaction([parent, left, right]).Apply(state, s_time);
        new AddFilesTransaction([Ref("f1", "left"), Ref("f1", "right"), Ref("f2", "root")]).Apply(state, s_time);
        new AssignJobIdsTransaction([new AssignJobIdRequest("j", "left", ["f1"])]).Apply(state, s_time.AddMinutes(1));

        var json = s_serDe.SerializeState(state);
        var back = s_serDe.DeserializeState(json);

        Assert.Equal(json, s_serDe.SerializeState(back));
        Assert.Equal(state.Partitions.Values.OrderBy(p => p.Id), back.Partitions.Values.OrderBy(p => p.Id));
        Assert.Equal(state.Files["f1"].ToRecord(), back.Files["f1"].ToRecord(), new AllReferencesComparer());
    }

    [Fact]
    public void Unknown_transaction_type_is_named()
    {
        var e = Assert.Throws<SleeperException>(() => s_serDe.Deserialize("Compact", "{}"));

        Assert.Contains("'Compact'", e.Message);
    }

    [Fact]
    public void Region_value_of_the_wrong_type_names_the_row_key()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse("""{"i":["x",true,null,false],"l":[0,true,null,false],"s":["",true,null,false],"b":["",true,null,false]}""")!;

        var e = Assert.Throws<SleeperException>(() => s_serDe.ReadRegion(json));

        Assert.Contains("'i'", e.Message);
    }

    [Fact]
    public void Region_missing_a_row_key_names_it()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse("""{"i":[0,true,null,false]}""")!;

        Assert.Contains("'l'", Assert.Throws<SleeperException>(() => s_serDe.ReadRegion(json)).Message);
    }

    private sealed class AllReferencesComparer : IEqualityComparer<AllReferencesToAFile>
    {
        public bool Equals(AllReferencesToAFile? x, AllReferencesToAFile? y) =>
            x!.Filename == y!.Filename && x.LastStateStoreUpdateTime == y.LastStateStoreUpdateTime && x.References.SequenceEqual(y.References);

        public int GetHashCode(AllReferencesToAFile obj) => obj.Filename.GetHashCode();
    }
}
