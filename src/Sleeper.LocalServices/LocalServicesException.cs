using Sleeper.Core;

namespace Sleeper.LocalServices;

/// <summary>A local service could not be installed, started, stopped or inspected; the message says which and what to do.</summary>
public sealed class LocalServicesException(string message, Exception? inner = null) : SleeperException(message, inner);
