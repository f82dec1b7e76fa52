using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project bench/Sleeper.Benchmarks -- --filter '*'
// State store commits per second moved into the end-to-end suite: ./sleeper bench --backend services --case commits
BenchmarkSwitcher.FromAssembly(typeof(Sleeper.Benchmarks.StandardBatches).Assembly).Run(args);
return 0;
