using System.Text.RegularExpressions;

namespace Sleeper.Parquet;

/// <summary>
/// Turns the Parquet library's errors into messages a user can read. ParquetSharp names the C++ exception by
/// its mangled type (as in "N7parquet22ParquetStatusExceptionE (message: '…')"), which says nothing to a user
/// and leaked into every error about a bad file.
/// </summary>
internal static partial class ParquetErrors
{
    public static string Message(Exception e)
    {
        var message = e.Message;
        var wrapped = WrappedPattern().Match(message);
        if (wrapped.Success)
        {
            message = wrapped.Groups["inner"].Value;
        }
        var managed = ManagedErrorPattern().Match(message);
        if (managed.Success)
        {
            // A stream of ours failed under the native reader (a store's read): its own message says what went wrong.
            message = managed.Groups["message"].Value;
        }
        message = MangledNamePattern().Replace(message, "");
        return message.Trim().TrimEnd('.').Replace('\n', ' ');
    }

    // A mangled C++ type name: N, then length-prefixed names, then E (N7parquet22ParquetStatusExceptionE).
    [GeneratedRegex(@"\bN(?:\d+[A-Za-z_][A-Za-z0-9_]*)+E\b:?\s*")]
    private static partial Regex MangledNamePattern();

    // What the native reader reports when a managed stream threw: "Unknown error: Type.Name: message", then the stack.
    [GeneratedRegex(@"Unknown error: (?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*: (?<message>.*?)(?:\r?\n\s*at |$)", RegexOptions.Singleline)]
    private static partial Regex ManagedErrorPattern();

    [GeneratedRegex(@"^\s*N(?:\d+[A-Za-z_][A-Za-z0-9_]*)+E\s*\(message:\s*'(?<inner>.*)'\)\s*$", RegexOptions.Singleline)]
    private static partial Regex WrappedPattern();
}
