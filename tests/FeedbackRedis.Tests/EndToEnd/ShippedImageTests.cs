using System.Text.RegularExpressions;
using FeedbackRedis.Tests.Infrastructure;

namespace FeedbackRedis.Tests.EndToEnd;

/// <summary>
/// The production image holds the service and the operator CLI, and no dev tool: the Dockerfile's own
/// <c>dotnet publish</c> commands are run on the build context it sees (the repository minus .dockerignore), into a
/// temp folder in place of <c>/app</c>, and the published assemblies are read for any load generator, run report or
/// mock broker (by type, P/Invoke and assembly reference, not only by file name).
/// </summary>
[Category("Process")]
public sealed partial class ShippedImageTests
{
    private static readonly string[] ShippedProjects = ["src/FeedbackRedis.Service/FeedbackRedis.Service.csproj", "src/FeedbackRedis.Cli/FeedbackRedis.Cli.csproj"];

    /// <summary>Types of the dev tool (tools/FeedbackRedis.DevTools) that must never ship, wherever they are moved.</summary>
    private static readonly string[] DevToolTypes = ["ProduceCommand", "ReportCommand", "DevCommands", "KafkaCommand", "MockKafkaCluster", "MockKafkaNative", "FeedbackDev"];

    private string _work = "";

    [SetUp]
    public void SetUp() => _work = Directory.CreateTempSubdirectory("feedback-publish-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    [Test]
    public void Dockerfile_PublishesOnlyTheServiceAndFeedbackctl_AndTheImageTakesOnlyThatFolder()
    {
        string dockerfile = File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile"));
        string instructions = Instructions(dockerfile);

        Assert.Multiple(() =>
        {
            Assert.That(Publishes(dockerfile).Select(p => p.Project), Is.EqualTo(ShippedProjects));
            Assert.That(instructions, Does.Not.Contain("DevTools").And.Not.Contain("feedback-dev").And.Not.Contain("tools/"));
            Assert.That(CopiedFromBuild().Matches(dockerfile).Select(m => m.Groups["source"].Value), Is.EqualTo(new[] { "/app" }),
                "the runtime stage copies the publish folder and nothing else from the build stage");
        });
    }

    [Test]
    public async Task PublishOutput_AsTheDockerfileBuildsIt_HoldsNoLoadGeneratorAndNoMockBroker()
    {
        string context = Path.Combine(_work, "context");
        string app = Path.Combine(_work, "app");
        int files = DockerBuildContext.Copy(Repository.Root, context);
        TestContext.Out.WriteLine($"build context: {files} files");
        // The Dockerfile itself is not in its context (.dockerignore); its commands run on the context.
        foreach (var (project, args) in Publishes(File.ReadAllText(Path.Combine(Repository.Root, "Dockerfile"))))
        {
            // As in the image build, with /app here; no build servers, so nothing outlives the test.
            string[] command = ["publish", project, .. args.Select(a => a == "/app" ? app : a), "--disable-build-servers"];
            var (exit, output) = await ChildProcess.RunAsync("dotnet", command, context, TimeSpan.FromMinutes(10));
            Assert.That(exit, Is.Zero, $"dotnet {string.Join(' ', command)}\n{output}");
        }

        var shipped = AssemblyContents.Read(app);
        var (helpExit, help) = await ChildProcess.RunAsync("dotnet", [Path.Combine(app, "feedbackctl.dll"), "--help"], app, TimeSpan.FromMinutes(1));
        var (produceExit, produce) = await ChildProcess.RunAsync("dotnet", [Path.Combine(app, "feedbackctl.dll"), "produce", "--count", "1"], app, TimeSpan.FromMinutes(1));

        Assert.Multiple(() =>
        {
            // What ships, read by the same reader, so that the checks below are not vacuous.
            Assert.That(shipped.Files, Does.Contain("feedback-redis").And.Contain("feedbackctl"), "the apphosts the Dockerfile tests for");
            Assert.That(shipped.Assemblies, Is.SupersetOf(new[] { "feedback-redis", "feedbackctl", "FeedbackRedis", "Confluent.Kafka" }));
            Assert.That(shipped.Types.Select(t => t.Name), Does.Contain("FeedbackCtl").And.Contain("Librdkafka"));
            Assert.That(shipped.NativeImports, Does.Contain("rd_kafka_clusterid"));

            Assert.That(shipped.Files.Where(f => Path.GetFileName(f).StartsWith("feedback-dev", StringComparison.OrdinalIgnoreCase)), Is.Empty);
            Assert.That(shipped.Assemblies, Does.Not.Contain("feedback-dev"));
            Assert.That(shipped.References, Does.Not.Contain("feedback-dev"), "a shipped assembly that references the dev tool");
            Assert.That(DevTools(shipped), Is.Empty, "dev tool types in the shipped assemblies");
            Assert.That(shipped.NativeImports.Where(i => i.StartsWith("rd_kafka_mock_", StringComparison.Ordinal)), Is.Empty,
                "P/Invokes of librdkafka's mock cluster in the shipped assemblies");
            Assert.That(shipped.Files.Where(f => f.EndsWith(".deps.json", StringComparison.Ordinal)
                && File.ReadAllText(Path.Combine(app, f)).Contains("FeedbackRedis.DevTools", StringComparison.Ordinal)), Is.Empty);

            Assert.That(helpExit, Is.Zero, help);
            Assert.That(help, Does.Contain("status").And.Not.Contain("produce").And.Not.Contain(" dev "));
            Assert.That(produceExit, Is.EqualTo(2), produce);
            Assert.That(produce, Does.Contain("Unrecognized command or argument 'produce'"));
        });
    }

    [Test]
    public void TheReader_FindsTheDevToolWhereItIs()
    {
        // The tests' own folder holds feedback-dev.dll (they use its mock cluster): the same checks must see it there.
        var tests = AssemblyContents.Read(AppContext.BaseDirectory);

        Assert.Multiple(() =>
        {
            Assert.That(tests.Files, Does.Contain("feedback-dev.dll"));
            Assert.That(tests.Assemblies, Does.Contain("feedback-dev"));
            Assert.That(DevTools(tests).Select(t => t.Name), Is.SupersetOf(new[] { "ProduceCommand", "ReportCommand", "KafkaCommand", "MockKafkaCluster", "FeedbackDev" }));
            Assert.That(tests.NativeImports, Does.Contain("rd_kafka_mock_cluster_new"));
        });
    }

    private static IEnumerable<DefinedType> DevTools(AssemblyContents contents) => contents.Types
        .Where(t => DevToolTypes.Contains(t.Name) || t.Namespace.StartsWith("FeedbackRedis.DevTools", StringComparison.Ordinal));

    /// <summary>The Dockerfile without its comment lines.</summary>
    private static string Instructions(string dockerfile) => string.Join('\n', dockerfile.Split('\n').Where(l => !l.TrimStart().StartsWith('#')));

    /// <summary>Every <c>dotnet publish PROJECT ARGS</c> in the Dockerfile's instructions, continuation lines joined.</summary>
    private static List<(string Project, string[] Args)> Publishes(string dockerfile) => [.. DotnetPublish()
        .Matches(Instructions(dockerfile).Replace("\\\n", " ", StringComparison.Ordinal))
        .Select(m => (m.Groups["project"].Value, m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)))];

    [GeneratedRegex(@"dotnet publish (?<project>\S+)(?<args>[^&\n]*)")]
    private static partial Regex DotnetPublish();

    [GeneratedRegex(@"(?m)^COPY --from=build (?<source>\S+) ")]
    private static partial Regex CopiedFromBuild();
}
