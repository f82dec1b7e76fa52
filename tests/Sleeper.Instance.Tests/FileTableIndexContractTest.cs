using Sleeper.Core.Tables;
using Sleeper.TestSupport.Contracts;

namespace Sleeper.Instance.Tests;

/// <summary>The embedded table index passes the table index port's contract, in a folder of its own.</summary>
public sealed class FileTableIndexContractTest : TableIndexContract, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override ITableIndex OpenIndex() => new FileTableIndex(Path.Combine(_folder.Path, "tables"));

    public void Dispose() => _folder.Dispose();
}
