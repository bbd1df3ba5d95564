using System.Runtime.InteropServices;

namespace FeedbackRedis.Fuzz;

/// <summary>
/// Runs a target once per input file, outside AFL: how a crash is reproduced and its stack printed. Works with the
/// instrumented FeedbackRedis.dll too: its branch counters get a map of their own instead of AFL's shared memory.
/// </summary>
internal static class Replay
{
    // SharpFuzz's branch ids are 16 bits: the instrumentation writes within these many bytes.
    private const int MapSize = 1 << 16;

    public static async Task<int> RunAsync(Action<byte[]> target, string targetName, IEnumerable<string> files)
    {
        unsafe
        {
            if (SharpFuzz.Common.Trace.SharedMem == null)
            {
                SharpFuzz.Common.Trace.SharedMem = (byte*)NativeMemory.AllocZeroed(MapSize);
            }
        }

        int failed = 0;
        foreach (string file in files)
        {
            byte[] input = await File.ReadAllBytesAsync(file);
            try
            {
                target(input);
                await Console.Out.WriteLineAsync($"ok   {targetName} {file}");
            }
            catch (Exception ex)
            {
                failed++;
                await Console.Out.WriteLineAsync($"FAIL {targetName} {file} ({input.Length} bytes, base64 {Convert.ToBase64String(input)})");
                await Console.Out.WriteLineAsync(ex.ToString());
            }
        }

        return failed == 0 ? 0 : 1;
    }
}
