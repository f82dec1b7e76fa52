using Sleeper.Core.Schema;

namespace Sleeper.Postgres.Tests;

/// <summary>The table the tests use: one long row key, as the committer process assumes too.</summary>
public static class TestTables
{
    public static readonly TableSchema Schema = new([new Field("key", LongType.Instance)]);
}
