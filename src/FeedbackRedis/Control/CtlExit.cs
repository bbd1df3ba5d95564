namespace FeedbackRedis.Control;

/// <summary>feedbackctl exit codes.</summary>
internal static class CtlExit
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}

/// <summary>A command line that parsed but makes no sense (bad id, missing --yes): exit 2 with the message.</summary>
internal sealed class CtlUsageException(string message) : Exception(message);
