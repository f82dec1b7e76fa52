using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Sleeper.Server.Queries;

/// <summary>The forms a REST query's rows can take, chosen by the request's Accept header.</summary>
public static class QueryFormats
{
    public const string JsonLines = "application/x-ndjson";
    public const string ArrowStream = "application/vnd.apache.arrow.stream";
    public const string Parquet = "application/vnd.apache.parquet";

    /// <summary>
    /// The form the caller asked for: the acceptable type of highest quality that the server makes, JSON lines
    /// when nothing is asked for (or <c>*/*</c>, or <c>application/json</c>); 406 when it makes none of them.
    /// </summary>
    public static string Choose(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted) || accepted.Count == 0)
        {
            return JsonLines;
        }
        foreach (var type in accepted.OrderByDescending(a => a.Quality ?? 1.0))
        {
            if (type.Quality == 0)
            {
                continue;
            }
            var media = type.MediaType.Value?.ToLowerInvariant();
            switch (media)
            {
                case JsonLines or "application/jsonl" or "application/json" or "*/*" or "application/*":
                    return JsonLines;
                case ArrowStream:
                    return ArrowStream;
                case Parquet or "application/x-parquet":
                    return Parquet;
            }
        }
        throw new ApiException(StatusCodes.Status406NotAcceptable,
            $"Query results come as {JsonLines} (the default), {ArrowStream} or {Parquet}; the Accept header asks for none of them.");
    }
}
