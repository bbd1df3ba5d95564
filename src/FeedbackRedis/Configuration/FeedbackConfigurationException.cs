namespace FeedbackRedis.Configuration;

/// <summary>A configuration value could not be read at all (e.g. a number that is not a number).</summary>
public sealed class FeedbackConfigurationException : Exception
{
    public FeedbackConfigurationException()
    {
    }

    public FeedbackConfigurationException(string message)
        : base(message)
    {
    }

    public FeedbackConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
