using Sleeper.Core;

namespace Sleeper.Cli;

/// <summary>The command line itself was wrong (exit status 2).</summary>
public sealed class UsageException(string message) : SleeperException(message);
