using System.Text;
using System.Text.Unicode;

namespace Sleeper.Core.Text;

/// <summary>
/// Checks that a user's text input is UTF-8 as its bytes go by, chunk after chunk, so that a file holding other
/// bytes is rejected naming the line and byte offset instead of being decoded into U+FFFD replacement characters
/// and stored changed. The bytes of each chunk are checked in bulk (vectorised), not one character at a time;
/// only a character split across two chunks is carried over.
/// </summary>
public sealed class Utf8Validator(string source)
{
    // At most three bytes of a character that the last chunk ended in the middle of.
    private readonly byte[] _pending = new byte[4];
    private int _pendingCount;
    private long _offset;
    private long _lines;

    /// <summary>The name of the input (a file name, or "standard input"), for messages.</summary>
    public string Source { get; } = source;

    /// <summary>Checks a whole input at once.</summary>
    public static void Validate(ReadOnlySpan<byte> bytes, string source)
    {
        var validator = new Utf8Validator(source);
        validator.Append(bytes);
        validator.Complete();
    }

    /// <summary>Checks the next bytes of the input; throws <see cref="InvalidUtf8Exception"/> at the first that is not UTF-8.</summary>
    public void Append(ReadOnlySpan<byte> chunk)
    {
        if (_pendingCount > 0)
        {
            var start = _offset - _pendingCount;
            var need = SequenceLength(_pending[0]) - _pendingCount;
            var take = Math.Min(need, chunk.Length);
            for (var i = 0; i < take; i++)
            {
                // A byte that does not continue the carried character: the character is cut short.
                if ((chunk[i] & 0xC0) != 0x80)
                {
                    throw Invalid(start, _pending.AsSpan(0, _pendingCount));
                }
                _pending[_pendingCount++] = chunk[i];
            }
            _offset += take;
            if (take < need)
            {
                return;
            }
            // Complete now, but it may still be overlong or a surrogate.
            if (!Utf8.IsValid(_pending.AsSpan(0, _pendingCount)))
            {
                throw Invalid(start, _pending.AsSpan(0, _pendingCount));
            }
            _pendingCount = 0;
            chunk = chunk[take..];
        }
        var tail = IncompleteTail(chunk);
        var whole = chunk[..^tail];
        if (!Utf8.IsValid(whole))
        {
            var at = FirstInvalid(whole);
            _lines += whole[..at].Count((byte)'\n');
            throw Invalid(_offset + at, whole[at..]);
        }
        _lines += whole.Count((byte)'\n');
        _offset += whole.Length;
        chunk[^tail..].CopyTo(_pending);
        _pendingCount = tail;
        _offset += tail;
    }

    /// <summary>Says the input has ended: a character cut off at the end is an error too.</summary>
    public void Complete()
    {
        if (_pendingCount > 0)
        {
            throw Invalid(_offset - _pendingCount, _pending.AsSpan(0, _pendingCount));
        }
    }

    // How many bytes at the end of the chunk begin a character that the chunk does not finish.
    private static int IncompleteTail(ReadOnlySpan<byte> chunk)
    {
        for (var back = 1; back <= Math.Min(3, chunk.Length); back++)
        {
            var b = chunk[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }
            return SequenceLength(b) > back ? back : 0;
        }
        return 0;
    }

    private static int SequenceLength(byte lead) => lead switch
    {
        < 0xC2 => 1,
        < 0xE0 => 2,
        < 0xF0 => 3,
        < 0xF5 => 4,
        _ => 1,
    };

    private static int FirstInvalid(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[at..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return at;
            }
            at += consumed;
        }
        return at;
    }

    private InvalidUtf8Exception Invalid(long offset, ReadOnlySpan<byte> bytes) =>
        new(Source, _lines + 1, offset, Convert.ToHexString(bytes[..Math.Min(4, bytes.Length)]));
}
