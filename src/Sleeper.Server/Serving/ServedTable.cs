using Sleeper.Core.Tables;
using Sleeper.Query;

namespace Sleeper.Server.Serving;

/// <summary>A table the server keeps open, with the one query executor (and its caches) that serves all its queries.</summary>
public sealed record ServedTable(SleeperTable Table, QueryExecutor Executor, string PropertiesText, DateTimeOffset LoadedAt);
