using Sleeper.Core;
using Sleeper.Core.Tables;
using Xunit;

namespace Sleeper.TestSupport.Contracts;

/// <summary>
/// What every <see cref="ITableIndex"/> backend must do, run against each by a small subclass in the backend's own
/// test project: tables are found by name and by id, listed in name order, created only under a free name (of two
/// creators at once exactly one wins), renamed only to a free name, switched online and offline, and deleted; what
/// one index object does, another over the same store sees.
/// </summary>
public abstract class TableIndexContract
{
    /// <summary>An index over the backend's store; two calls reach the same tables through new objects, as another process would.</summary>
    protected abstract ITableIndex OpenIndex();

    [Fact]
    public async Task An_empty_index_has_no_tables()
    {
        var index = OpenIndex();
        Assert.Empty(await index.ListAsync());
        Assert.Null(await index.GetByNameAsync("t1"));
        Assert.Null(await index.GetByIdAsync("id1"));
    }

    [Fact]
    public async Task A_created_table_is_found_by_name_and_id_through_another_index()
    {
        var status = new TableStatus("id1", "t1", true);
        Assert.True(await OpenIndex().TryCreateAsync(status));

        var reader = OpenIndex();
        Assert.Equal(status, await reader.GetByNameAsync("t1"));
        Assert.Equal(status, await reader.GetByIdAsync("id1"));
        Assert.Equal([status], await reader.ListAsync());
        Assert.Null(await reader.GetByNameAsync("t2"));
        Assert.Null(await reader.GetByIdAsync("id2"));
    }

    [Fact]
    public async Task Tables_are_listed_in_ordinal_order_of_name()
    {
        var index = OpenIndex();
        foreach (var (id, name) in new[] { ("a", "b-table"), ("b", "B"), ("c", "a.table"), ("d", "a_table"), ("e", "10") })
        {
            Assert.True(await index.TryCreateAsync(new TableStatus(id, name, id != "c")));
        }

        var listed = await OpenIndex().ListAsync();

        Assert.Equal(["10", "B", "a.table", "a_table", "b-table"], listed.Select(t => t.TableName));
        Assert.Equal(["e", "b", "c", "d", "a"], listed.Select(t => t.TableId));
        Assert.Equal([true, true, false, true, true], listed.Select(t => t.Online));
    }

    [Fact]
    public async Task Creating_a_taken_name_is_refused_and_changes_nothing()
    {
        var index = OpenIndex();
        Assert.True(await index.TryCreateAsync(new TableStatus("id1", "t1", true)));

        Assert.False(await OpenIndex().TryCreateAsync(new TableStatus("id2", "t1", false)));

        Assert.Equal(new TableStatus("id1", "t1", true), await index.GetByNameAsync("t1"));
        Assert.Null(await index.GetByIdAsync("id2"));
        Assert.Single(await index.ListAsync());
    }

    [Fact]
    public async Task Of_many_creators_of_one_name_at_once_exactly_one_wins()
    {
        const int Creators = 8;
        for (var round = 0; round < 5; round++)
        {
            var name = $"race{round}";
            var results = await Task.WhenAll(Enumerable.Range(0, Creators).Select(c => Task.Run(() =>
                OpenIndex().TryCreateAsync(new TableStatus($"id-{round}-{c}", name, true)))));

            var winner = Assert.Single(results.Select((won, c) => (won, c)).Where(r => r.won));
            Assert.Equal(new TableStatus($"id-{round}-{winner.c}", name, true), await OpenIndex().GetByNameAsync(name));
        }
        Assert.Equal(5, (await OpenIndex().ListAsync()).Count);
    }

    [Fact]
    public async Task A_rename_keeps_the_id_and_online_state_and_frees_the_old_name()
    {
        var index = OpenIndex();
        Assert.True(await index.TryCreateAsync(new TableStatus("id1", "old", false)));

        Assert.True(await OpenIndex().TryRenameAsync("old", "new"));

        var reader = OpenIndex();
        Assert.Null(await reader.GetByNameAsync("old"));
        Assert.Equal(new TableStatus("id1", "new", false), await reader.GetByNameAsync("new"));
        Assert.Equal(new TableStatus("id1", "new", false), await reader.GetByIdAsync("id1"));
        Assert.Equal(["new"], (await reader.ListAsync()).Select(t => t.TableName));
        Assert.True(await reader.TryCreateAsync(new TableStatus("id2", "old", true)));
    }

    [Fact]
    public async Task A_rename_to_a_taken_name_is_refused_and_changes_nothing()
    {
        var index = OpenIndex();
        Assert.True(await index.TryCreateAsync(new TableStatus("id1", "t1", true)));
        Assert.True(await index.TryCreateAsync(new TableStatus("id2", "t2", false)));

        Assert.False(await OpenIndex().TryRenameAsync("t1", "t2"));

        Assert.Equal(
            [new TableStatus("id1", "t1", true), new TableStatus("id2", "t2", false)],
            await OpenIndex().ListAsync());
    }

    [Fact]
    public async Task A_rename_to_the_same_name_does_nothing()
    {
        var index = OpenIndex();
        Assert.True(await index.TryCreateAsync(new TableStatus("id1", "t1", true)));

        Assert.True(await index.TryRenameAsync("t1", "t1"));

        Assert.Equal([new TableStatus("id1", "t1", true)], await OpenIndex().ListAsync());
    }

    [Fact]
    public async Task Renaming_or_switching_a_missing_table_is_table_not_found()
    {
        var index = OpenIndex();
        await Assert.ThrowsAsync<TableNotFoundException>(() => index.TryRenameAsync("nope", "other"));
        await Assert.ThrowsAsync<TableNotFoundException>(() => index.SetOnlineAsync("nope", false));
        Assert.Empty(await index.ListAsync());
    }

    [Fact]
    public async Task Online_state_is_set_and_cleared_and_seen_by_another_index()
    {
        var index = OpenIndex();
        Assert.True(await index.TryCreateAsync(new TableStatus("id1", "t1", true)));

        await index.SetOnlineAsync("t1", false);
        Assert.Equal(new TableStatus("id1", "t1", false), await OpenIndex().GetByNameAsync("t1"));
        await index.SetOnlineAsync("t1", false);
        Assert.Equal(new TableStatus("id1", "t1", false), await OpenIndex().GetByIdAsync("id1"));
        await OpenIndex().SetOnlineAsync("t1", true);
        Assert.Equal(new TableStatus("id1", "t1", true), await index.GetByNameAsync("t1"));
    }

    [Fact]
    public async Task Deleting_removes_the_table_once()
    {
        var index = OpenIndex();
        Assert.True(await index.TryCreateAsync(new TableStatus("id1", "t1", true)));
        Assert.True(await index.TryCreateAsync(new TableStatus("id2", "t2", true)));

        Assert.True(await OpenIndex().DeleteAsync("t1"));
        Assert.False(await OpenIndex().DeleteAsync("t1"));
        Assert.False(await index.DeleteAsync("never"));

        Assert.Null(await index.GetByNameAsync("t1"));
        Assert.Null(await index.GetByIdAsync("id1"));
        Assert.Equal(["t2"], (await index.ListAsync()).Select(t => t.TableName));
        Assert.True(await index.TryCreateAsync(new TableStatus("id3", "t1", true)));
    }

    [Fact]
    public async Task Invalid_names_are_refused()
    {
        var index = OpenIndex();
        await Assert.ThrowsAsync<SleeperException>(() => index.TryCreateAsync(new TableStatus("id1", "../escape", true)));
        Assert.True(await index.TryCreateAsync(new TableStatus("id1", "t1", true)));
        await Assert.ThrowsAsync<SleeperException>(() => index.TryRenameAsync("t1", "bad name"));
        Assert.Equal([new TableStatus("id1", "t1", true)], await index.ListAsync());
    }
}
