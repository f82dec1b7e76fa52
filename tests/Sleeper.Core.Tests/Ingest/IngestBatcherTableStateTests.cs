using Sleeper.Core.Ingest.Batcher;
using Sleeper.Core.Jobs;

namespace Sleeper.Core.Tests.Ingest;

public sealed class IngestBatcherTableStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static FileIngestRequest File(string name, int second = 0, long bytes = 10) => new($"/data/{name}", bytes, "t1", T0.AddSeconds(second));

    private static IngestBatcherJob Job(string id, params FileIngestRequest[] files) => new(id, "t1", QueueNames.Ingest, files, T0);

    private static IngestBatcherTableState Replayed(params IngestBatcherLogEntry[] entries)
    {
        var state = new IngestBatcherTableState("t1");
        foreach (var entry in entries)
        {
            // Through JSON, as a store keeps them.
            state.Apply(IngestBatcherLogSerDe.FromJson(System.Text.Json.Nodes.JsonNode.Parse(IngestBatcherLogSerDe.ToJson("t1", entry))!.AsObject()));
        }
        return state;
    }

    [Fact]
    public void A_file_submitted_again_while_pending_is_not_duplicated_and_keeps_its_first_received_time()
    {
        var state = Replayed(new FilesAddedEntry(T0, [File("a", 0), File("b", 0)]));

        Assert.Equal(["/data/c"], state.NotYetPending([File("a", 5), File("c", 5), File("c", 6)]).Select(f => f.File));
        state.Apply(new FilesAddedEntry(T0, [File("a", 5), File("c", 5)]));

        Assert.Equal([File("a", 0), File("b", 0), File("c", 5)], state.Pending);
    }

    [Fact]
    public void Assigned_files_leave_the_pending_set_and_are_kept_with_their_job()
    {
        var state = Replayed(
            new FilesAddedEntry(T0, [File("a"), File("b"), File("c")]),
            new JobsAssignedEntry(T0, [Job("j1", File("a"), File("c"))]),
            new JobsSentEntry(T0.AddSeconds(1), ["j1"]));

        Assert.Equal([File("b")], state.Pending);
        var job = Assert.Single(state.Jobs);
        Assert.Equal([File("a"), File("c")], job.Files);
        Assert.Equal(T0.AddSeconds(1), job.SentTime);
    }

    [Fact]
    public void A_file_already_in_a_job_cannot_be_assigned_to_another()
    {
        var state = Replayed(new FilesAddedEntry(T0, [File("a"), File("b")]), new JobsAssignedEntry(T0, [Job("j1", File("a"))]));

        Assert.False(state.CanAssign([Job("j2", File("a"), File("b"))]));
        Assert.False(state.CanAssign([Job("j2", File("b")), Job("j3", File("b"))]));
        Assert.False(state.CanAssign([Job("j1", File("b"))]));
        Assert.True(state.CanAssign([Job("j2", File("b"))]));
    }

    [Fact]
    public void A_file_submitted_again_after_it_was_batched_is_a_new_request_not_the_old_one()
    {
        var state = Replayed(new FilesAddedEntry(T0, [File("a", 0)]), new JobsAssignedEntry(T0, [Job("j1", File("a", 0))]));

        state.Apply(new FilesAddedEntry(T0, [File("a", 9)]));

        Assert.Equal([File("a", 9)], state.Pending);
        Assert.False(state.CanAssign([Job("j2", File("a", 0))]));
        Assert.True(state.CanAssign([Job("j2", File("a", 9))]));
    }
}
