using System.Text;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Tests read the items the writer and the classifier make (UTF-8 bytes) as the JSON text they hold.</summary>
public static class ItemBytes
{
    /// <summary>The item's UTF-8 bytes decoded (strictly: bytes that are not UTF-8 fail the test instead of being replaced).</summary>
    public static string AsJson(this byte[] utf8) => Strict.GetString(utf8);

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
