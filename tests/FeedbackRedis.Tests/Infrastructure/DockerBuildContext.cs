using System.Text;
using System.Text.RegularExpressions;

namespace FeedbackRedis.Tests.Infrastructure;

/// <summary>
/// The files <c>docker build .</c> sends to the builder: the repository minus what <c>.dockerignore</c> excludes, copied
/// to a folder so that a test can run the Dockerfile's build steps on what the image build sees and nothing more.
/// Patterns as Docker reads them: relative to the context root, <c>*</c> and <c>?</c> within one path segment,
/// <c>**</c> across segments, a match on a folder excluding all below it. Exceptions (<c>!</c>) and character classes
/// are refused rather than guessed.
/// </summary>
internal static class DockerBuildContext
{
    public static int Copy(string root, string target)
    {
        var excluded = Patterns(File.ReadAllLines(Path.Combine(root, ".dockerignore")));
        int copied = 0;
        var pending = new Stack<string>([""]);
        while (pending.TryPop(out var relative))
        {
            var dir = new DirectoryInfo(Path.Combine(root, relative));
            foreach (var entry in dir.EnumerateFileSystemInfos())
            {
                string path = relative.Length == 0 ? entry.Name : $"{relative}/{entry.Name}";
                if (excluded.Any(p => p.IsMatch(path)) || entry.LinkTarget is not null)
                {
                    continue;
                }

                if (entry is DirectoryInfo)
                {
                    pending.Push(path);
                }
                else
                {
                    string destination = Path.Combine(target, path);
                    Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                    File.Copy(entry.FullName, destination);
                    copied++;
                }
            }
        }

        return copied;
    }

    private static List<Regex> Patterns(IEnumerable<string> lines)
    {
        var patterns = new List<Regex>();
        foreach (var raw in lines)
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('!') || line.IndexOfAny(['[', '\\']) >= 0)
            {
                throw new NotSupportedException($".dockerignore pattern '{line}': exceptions and character classes are not read by this test; extend DockerBuildContext");
            }

            patterns.Add(ToRegex(line.Trim('/')));
        }

        return patterns;
    }

    private static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            if (pattern.AsSpan(i).StartsWith("**/"))
            {
                regex.Append("(?:.*/)?");
                i += 2;
            }
            else if (pattern.AsSpan(i).StartsWith("**"))
            {
                regex.Append(".*");
                i++;
            }
            else
            {
                regex.Append(pattern[i] switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    var c => Regex.Escape(c.ToString()),
                });
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
