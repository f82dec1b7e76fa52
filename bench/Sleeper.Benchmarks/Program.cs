using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project bench/Sleeper.Benchmarks -- --filter '*'
// State store commits per second: dotnet run -c Release --project bench/Sleeper.Benchmarks -- statestore-commits [postgresql://…] [commits]
if (args.Length > 0 && args[0] == "statestore-commits")
{
    return await Sleeper.Benchmarks.StateStoreCommitThroughput.RunAsync(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(Sleeper.Benchmarks.StandardBatches).Assembly).Run(args);
return 0;
