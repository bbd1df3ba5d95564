using System.Diagnostics;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>Waits for a condition with a generous deadline (the machine may be loaded), never a fixed sleep.</summary>
public static class Eventually
{
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe, TimeSpan? poll = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"not within {timeout.TotalSeconds:0.#} s: {describe()}");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(50));
        }
    }

    public static Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe) =>
        WaitAsync(() => Task.FromResult(condition()), timeout, describe);

    public static Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        WaitAsync(condition, timeout, () => what);

    public static Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        WaitAsync(() => Task.FromResult(condition()), timeout, () => what);
}
