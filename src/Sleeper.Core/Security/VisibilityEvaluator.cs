using System.Collections.Concurrent;
using System.Text;

namespace Sleeper.Core.Security;

/// <summary>
/// Decides, for one set of authorisations, whether rows labelled with an expression may be seen, straight from
/// the expression's UTF-8 bytes as an Arrow string column holds them. A table holds few distinct expressions
/// among many rows, so each distinct expression is parsed and judged once and its answer kept, keyed by its
/// bytes: a row then costs one hash lookup and no allocation. Safe to use from several threads.
/// </summary>
/// <remarks>
/// An expression that does not parse (or is not UTF-8) is judged not visible: ingest rejects such values, so one
/// can only come from a file written before the table had a visibility field or around Sleeper, and a mistake
/// there must hide a row rather than show it.
/// </remarks>
public sealed class VisibilityEvaluator
{
    /// <summary>How many distinct expressions are remembered before the memory starts again, so a table of unique labels cannot grow it without bound.</summary>
    public const int MaxCachedExpressions = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly ConcurrentDictionary<byte[], bool> _answers = new(ByteArrayComparer.Instance);
    private readonly ConcurrentDictionary<byte[], bool>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;
    private long _malformed;

    public VisibilityEvaluator(Authorisations authorisations)
    {
        Authorisations = authorisations;
        _bySpan = _answers.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public Authorisations Authorisations { get; }

    /// <summary>How many distinct malformed expressions were met (each hid its rows).</summary>
    public long MalformedExpressions => Interlocked.Read(ref _malformed);

    /// <summary>Whether rows labelled with the expression (UTF-8, as stored) may be seen; the empty expression always may.</summary>
    public bool CanSee(ReadOnlySpan<byte> utf8Expression)
    {
        if (utf8Expression.IsEmpty)
        {
            return true;
        }
        if (_bySpan.TryGetValue(utf8Expression, out var answer))
        {
            return answer;
        }
        answer = Judge(utf8Expression);
        if (_answers.Count >= MaxCachedExpressions)
        {
            _answers.Clear();
        }
        _bySpan.TryAdd(utf8Expression, answer);
        return answer;
    }

    /// <summary>Whether rows labelled with the expression may be seen.</summary>
    public bool CanSee(string expression) => CanSee(Encoding.UTF8.GetBytes(expression));

    private bool Judge(ReadOnlySpan<byte> utf8Expression)
    {
        string text;
        try
        {
            text = StrictUtf8.GetString(utf8Expression);
        }
        catch (DecoderFallbackException)
        {
            Interlocked.Increment(ref _malformed);
            return false;
        }
        if (!AccessExpression.TryParse(text, out var expression, out _))
        {
            Interlocked.Increment(ref _malformed);
            return false;
        }
        return expression.IsVisibleTo(Authorisations);
    }

    /// <summary>Compares byte arrays by content, and looks them up by a span without copying it.</summary>
    internal sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
