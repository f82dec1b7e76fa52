using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project bench/Sleeper.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Sleeper.Benchmarks.StandardBatches).Assembly).Run(args);
