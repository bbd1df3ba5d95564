using System.Text.Json;
using FeedbackRedis.Batching;
using FeedbackRedis.Control;
using FeedbackRedis.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace FeedbackRedis.Tests.Control;

public sealed class FeedbackCtlTests
{
    private string _prefix = "";
    private RedisBatchStore _store = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _prefix = TestKeys.Prefix();
        _time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _store = TestStores.Create(o => { o.BatchSize = 3; o.MaxAttempts = 1; }, _time, prefix: _prefix);
    }

    private async Task<(int Exit, string Out, string Err)> Ctl(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await FeedbackCtl.RunAsync(
            [.. args, "--redis", SharedRedis.Server.ConnectionString, "--prefix", _prefix], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Test]
    public async Task Status_CountsEveryState()
    {
        await _store.AppendAsync([.. TestStores.Events("a", 3), .. TestStores.Events("b", 2)]);

        var (exit, output, _) = await Ctl("status", "--json");
        var (humanExit, human, _) = await Ctl("status");

        Assert.That(exit, Is.Zero);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("openBatches").GetInt64(), Is.EqualTo(1));
            Assert.That(json.GetProperty("readyBatches").GetInt64(), Is.EqualTo(1));
            Assert.That(json.GetProperty("pendingEvents").GetInt64(), Is.EqualTo(5));
            Assert.That(json.GetProperty("guardedIds").GetInt64(), Is.EqualTo(5));
            Assert.That(humanExit, Is.Zero);
            Assert.That(human, Does.Match(@"ready batches\s+1").And.Match(@"pending events\s+5").And.Match(@"guarded ids\s+5"));
        });
    }

    [Test]
    public async Task BatchesList_BySizeOrAge_PutsTheLargestOrOldestFirst()
    {
        await _store.AppendAsync(TestStores.Events("old-small", 1));
        _time.Advance(TimeSpan.FromSeconds(5));
        await _store.AppendAsync(TestStores.Events("new-big", 2));

        var (_, bySize, _) = await Ctl("batches", "list", "--by", "size", "--json");
        var (_, byAge, _) = await Ctl("batches", "list", "--by", "age", "--top", "1");

        var ids = JsonDocument.Parse(bySize).RootElement.EnumerateArray().Select(b => b.GetProperty("id").GetString()).ToList();
        Assert.That(ids, Is.EqualTo(new[] { "new-big", "old-small" }));
        Assert.That(byAge, Does.Contain("old-small").And.Not.Contain("new-big"));
    }

    [Test]
    public async Task BatchShow_PrintsAnOpenOrSealedBatch_AndFailsForAnUnknownOne()
    {
        await _store.AppendAsync([.. TestStores.Events("a", 3), .. TestStores.Events("b", 1)]);
        string sealedId = (await _store.ListSealedAsync(BatchState.Ready, 10)).Single().Id;

        var open = await Ctl("batch", "show", "b");
        var sealedBatch = await Ctl("batch", "show", sealedId, "--items", "1", "--json");
        var missing = await Ctl("batch", "show", "nobody");

        Assert.That(open.Exit, Is.Zero);
        Assert.That(open.Out, Does.Contain("Open").And.Contain("b-e0"));
        Assert.That(sealedBatch.Exit, Is.Zero);
        var json = JsonDocument.Parse(sealedBatch.Out).RootElement;
        Assert.That(json.GetProperty("batch").GetProperty("meta").GetProperty("trigger").GetString(), Is.EqualTo("size"));
        Assert.That(json.GetProperty("items").GetArrayLength(), Is.EqualTo(1));
        Assert.That(missing.Exit, Is.EqualTo(1));
        Assert.That(missing.Err, Does.Contain("no batch 'nobody'"));
    }

    [Test]
    public async Task BatchesShow_FormerNameBatchShow_StillWorksAsAnAlias()
    {
        await _store.AppendAsync(TestStores.Events("c", 2));

        var renamed = await Ctl("batches", "show", "c");
        var alias = await Ctl("batch", "show", "c");
        var listThroughAlias = await Ctl("batch", "list");

        Assert.Multiple(() =>
        {
            Assert.That(renamed.Exit, Is.Zero, renamed.Err);
            Assert.That(renamed.Out, Does.Contain("c-e0"));
            Assert.That(alias.Out, Is.EqualTo(renamed.Out));
            Assert.That(listThroughAlias.Exit, Is.Zero, listThroughAlias.Err);
        });
    }

    [Test]
    public async Task Flush_WithoutYesOrWithIt_RefusesOrSealsTheBatch()
    {
        await _store.AppendAsync(TestStores.Events("a", 2));

        var refused = await Ctl("flush", "a");
        var countsAfterRefusal = await _store.GetCountsAsync();
        var done = await Ctl("flush", "a", "--yes");

        Assert.That(refused.Exit, Is.EqualTo(2));
        Assert.That(refused.Err, Does.Contain("without --yes").And.Contain("nothing was changed"));
        Assert.That(countsAfterRefusal.OpenBatches, Is.EqualTo(1));
        Assert.That(done.Exit, Is.Zero);
        Assert.That(done.Out, Does.Match("sealed a as a:[0-9]+"));
        _time.Advance(TimeSpan.FromSeconds(5)); // the CLI stamped the seal with Redis TIME; the test store runs on its own clock
        var claimed = await _store.ClaimAsync("f", 10, 100);
        Assert.That(claimed.Single().Trigger, Is.EqualTo(BatchTrigger.Manual));
    }

    [Test]
    public async Task DeadListAndReplay_ShowTheReason_AndReplayOnlyWithYes()
    {
        await _store.AppendAsync(TestStores.Events("a", 3));
        var claimed = (await _store.ClaimAsync("f", 10, 100)).Single();
        await _store.ReleaseAsync(claimed.Lease, ReleaseMode.Dead, "document too large");

        var list = await Ctl("dead", "list");
        var refused = await Ctl("dead", "replay", claimed.BatchId);
        var stillDead = (await _store.GetCountsAsync()).DeadBatches;
        var replayed = await Ctl("dead", "replay", claimed.BatchId, "--yes");
        var again = await Ctl("dead", "replay", claimed.BatchId, "--yes");

        Assert.Multiple(() =>
        {
            Assert.That(list.Out, Does.Contain(claimed.BatchId).And.Contain("document too large"));
            Assert.That(refused.Exit, Is.EqualTo(2));
            Assert.That(stillDead, Is.EqualTo(1));
            Assert.That(replayed.Exit, Is.Zero);
            Assert.That(again.Exit, Is.EqualTo(1));
            Assert.That(again.Err, Does.Contain("no dead batch"));
        });
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(await _store.ClaimAsync("g", 10, 100), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task DeadDrop_SavesTheItemsFirst_ThenDropsOnlyWithYes_AndReleasesTheIds()
    {
        var events = TestStores.Events("a", 3);
        await _store.AppendAsync(events);
        var claimed = (await _store.ClaimAsync("f", 10, 100)).Single();
        await _store.ReleaseAsync(claimed.Lease, ReleaseMode.Dead, "poison item");
        string dir = Directory.CreateTempSubdirectory("feedbackctl-drop-").FullName;
        string file = Path.Combine(dir, "dropped.jsonl");
        string existing = Path.Combine(dir, "existing.jsonl");
        await File.WriteAllTextAsync(existing, "keep me");

        var refused = await Ctl("dead", "drop", claimed.BatchId, "--save", file);
        var noSave = await Ctl("dead", "drop", claimed.BatchId, "--yes");
        var wouldOverwrite = await Ctl("dead", "drop", claimed.BatchId, "--save", existing, "--yes");
        bool stillDeadAfterRefusals = (await _store.GetCountsAsync()).DeadBatches == 1 && !File.Exists(file);
        var dropped = await Ctl("dead", "drop", claimed.BatchId, "--save", file, "--yes");
        var again = await Ctl("dead", "drop", claimed.BatchId, "--save", Path.Combine(dir, "again.jsonl"), "--yes");

        var counts = await _store.GetCountsAsync();
        Assert.Multiple(async () =>
        {
            Assert.That((refused.Exit, noSave.Exit, wouldOverwrite.Exit), Is.EqualTo((2, 2, 2)));
            Assert.That(refused.Err, Does.Contain("without --yes"));
            Assert.That(noSave.Err, Does.Contain("--save"));
            Assert.That(wouldOverwrite.Err, Does.Contain("exists"));
            Assert.That(await File.ReadAllTextAsync(existing), Is.EqualTo("keep me"));
            Assert.That(stillDeadAfterRefusals, Is.True, "nothing changed before --yes and a new --save file");
            Assert.That(dropped.Exit, Is.Zero, dropped.Err);
            Assert.That(dropped.Out, Does.Contain($"dropped {claimed.BatchId}: 3 items"));
            Assert.That((await File.ReadAllLinesAsync(file)).Select(TestStores.EventIdOf), Is.EqualTo(events.Select(e => e.EventId)));
            Assert.That(again.Exit, Is.EqualTo(1));
            Assert.That(again.Err, Does.Contain("no dead batch"));
            Assert.That((counts.DeadBatches, counts.GuardedIds, counts.PendingEvents), Is.EqualTo((0L, 0L, 0L)));
            Assert.That(await TestStores.DataKeysAsync(_store), Is.Empty);
        });
        Assert.That((await _store.AppendAsync([events[0]])).Added, Is.EqualTo(1), "a dropped id is accepted again");
        Directory.Delete(dir, recursive: true);
    }

    [Test]
    public async Task DropDead_RefusesABatchThatIsNotDead_OrNotAsRead()
    {
        await _store.AppendAsync(TestStores.Events("a", 3));
        var claimed = (await _store.ClaimAsync("f", 10, 100)).Single();

        var notDead = await _store.DropDeadAsync(claimed.BatchId, claimed.Items);
        await _store.ReleaseAsync(claimed.Lease, ReleaseMode.Dead, "poison item");
        var changed = await _store.DropDeadAsync(claimed.BatchId, claimed.Items.Take(2).ToList());

        Assert.Multiple(async () =>
        {
            Assert.That(notDead, Is.EqualTo(DropOutcome.NotDead));
            Assert.That(changed, Is.EqualTo(DropOutcome.Changed));
            Assert.That((await _store.GetCountsAsync()).GuardedIds, Is.EqualTo(3), "nothing released");
            Assert.That(await _store.DropDeadAsync(claimed.BatchId, claimed.Items), Is.EqualTo(DropOutcome.Dropped));
        });
    }

    [Test]
    public async Task Recount_WithoutYesDryRunOrYes_RefusesShowsOrRepairsTheDrift()
    {
        await _store.AppendAsync([.. TestStores.Events("a", 3), .. TestStores.Events("b", 2)]);
        var db = SharedRedis.Connection.GetDatabase();
        await db.StringSetAsync(_store.Keys.Pending(0), 42);
        await db.SetAddAsync(_store.Keys.Guard(0), "stray");

        var plain = await Ctl("status");
        var drift = await Ctl("status", "--drift");
        var driftJson = await Ctl("status", "--drift", "--json");
        var refused = await Ctl("recount");
        var dryRun = await Ctl("recount", "--dry-run");
        long afterRefusal = (long)await db.StringGetAsync(_store.Keys.Pending(0));
        var done = await Ctl("recount", "--yes");
        var after = await Ctl("status", "--drift", "--json");
        var again = await Ctl("recount", "--yes", "--json");

        Assert.Multiple(() =>
        {
            Assert.That(plain.Out, Does.Not.Contain("drift"), "status stays cheap unless asked");
            Assert.That(drift.Exit, Is.Zero, drift.Err);
            Assert.That(drift.Out, Does.Match(@"drift \(recount\)\s+1 of 1 shards\s+<- feedbackctl recount --yes"));
            Assert.That(drift.Out, Does.Contain("pending 42 -> 5 (-37)").And.Contain("open-events 2,").And.Contain("guard 6 -> 5 ids (+0 missing, -1 without an item)"));
            Assert.That(drift.Out, Does.Contain("ids without an item: stray"));
            var json = JsonDocument.Parse(driftJson.Out).RootElement;
            Assert.That(json.GetProperty("pendingEvents").GetInt64(), Is.EqualTo(42), "the counts as stored, as without --drift");
            var shard = json.GetProperty("drift")[0];
            Assert.That(shard.GetProperty("pending").GetProperty("recorded").GetInt64(), Is.EqualTo(42));
            Assert.That(shard.GetProperty("pending").GetProperty("recounted").GetInt64(), Is.EqualTo(5));
            Assert.That(shard.GetProperty("guard").GetProperty("removedSample")[0].GetString(), Is.EqualTo("stray"));
            Assert.That(shard.GetProperty("applied").GetBoolean(), Is.False);
            Assert.That(refused.Exit, Is.EqualTo(2));
            Assert.That(refused.Err, Does.Contain("refusing to overwrite pending, open-events and the duplicate guard").And.Contain("without --yes (nothing was changed)"));
            Assert.That(dryRun.Exit, Is.Zero, dryRun.Err);
            Assert.That(dryRun.Out, Does.Contain("pending 42 -> 5 (-37)").And.Contain("(dry run, nothing changed): 1 drifted"));
            Assert.That(afterRefusal, Is.EqualTo(42), "neither the refusal nor the dry run changed anything");
            Assert.That(done.Exit, Is.Zero, done.Err);
            Assert.That(done.Out, Does.Contain("pending 42 -> 5 (-37)").And.Contain("recounted 1 of 1 shards: 1 drifted and are repaired"));
            Assert.That(JsonDocument.Parse(after.Out).RootElement.GetProperty("drift")[0].GetProperty("hasDrift").GetBoolean(), Is.False);
            Assert.That(again.Exit, Is.Zero);
            var repeated = JsonDocument.Parse(again.Out).RootElement[0];
            Assert.That((repeated.GetProperty("applied").GetBoolean(), repeated.GetProperty("hasDrift").GetBoolean()), Is.EqualTo((true, false)));
        });
        Assert.That((await _store.GetCountsAsync()).PendingEvents, Is.EqualTo(5));
    }

    [Test]
    public async Task DeadReplay_InBulkByReasonOrAll_NeedsYesAndReplaysOnlyWhatMatches()
    {
        await _store.AppendAsync(TestStores.Events("agent-1", 5).Concat(TestStores.Events("agent-2", 5)).Concat(TestStores.Events("agent-3", 5)).ToList());
        var claimed = await _store.ClaimAsync("f", 10, 100);
        Assert.That(claimed, Has.Count.EqualTo(3));
        await _store.ReleaseAsync(claimed[0].Lease, ReleaseMode.Dead, "document failed validator");
        await _store.ReleaseAsync(claimed[1].Lease, ReleaseMode.Dead, "Document Failed Validator (code 121)");
        await _store.ReleaseAsync(claimed[2].Lease, ReleaseMode.Dead, "document too large");

        var refused = await Ctl("dead", "replay", "--reason", "validator");
        var deadBefore = (await _store.GetCountsAsync()).DeadBatches;
        var byReason = await Ctl("dead", "replay", "--reason", "validator", "--yes");
        var deadAfterReason = (await _store.GetCountsAsync()).DeadBatches;
        var all = await Ctl("dead", "replay", "--all", "--yes");

        Assert.Multiple(async () =>
        {
            Assert.That(refused.Exit, Is.EqualTo(2));
            Assert.That(refused.Err, Does.Contain("without --yes"));
            Assert.That(deadBefore, Is.EqualTo(3));
            Assert.That(byReason.Exit, Is.Zero, byReason.Err);
            Assert.That(byReason.Out, Does.Contain("replayed 2 dead batches"));
            Assert.That(deadAfterReason, Is.EqualTo(1), "only the two whose last error matches, in any case");
            Assert.That(all.Out, Does.Contain("replayed 1 dead batches"));
            Assert.That((await _store.GetCountsAsync()).DeadBatches, Is.Zero);
        });
    }

    [TestCase(new[] { "bogus" }, "Unrecognized command or argument 'bogus'")]
    [TestCase(new[] { "batches", "list", "--top", "0" }, "--top must be from 1 to 10000")]
    [TestCase(new[] { "batches", "list", "--state", "gone" }, "gone")]
    [TestCase(new[] { "batch", "show", "a b" }, "agent id contains")]
    [TestCase(new[] { "batch", "show", "a:x" }, "not a batch id")]
    [TestCase(new[] { "flush", "a:1", "--yes" }, "is a batch id")]
    [TestCase(new[] { "dead", "replay", "agent", "--yes" }, "not a batch id")]
    [TestCase(new[] { "dead", "drop", "agent", "--save", "x.jsonl", "--yes" }, "not a batch id")]
    [TestCase(new[] { "dead", "replay", "--yes" }, "exactly one of")]
    [TestCase(new[] { "dead", "replay", "a:1", "--all", "--yes" }, "exactly one of")]
    [TestCase(new[] { "dead", "replay", "--reason", "", "--yes" }, "needs some text")]
    [TestCase(new[] { "dead", "replay", "--all", "--max", "0", "--yes" }, "--max 0 is out of range")]
    [TestCase(new[] { "status", "--shards", "-1" }, "FEEDBACK_REDIS_SHARDS")]
    [TestCase(new[] { "produce", "--count", "1" }, "Unrecognized command or argument 'produce'")]
    [TestCase(new[] { "dev", "kafka" }, "Unrecognized command or argument 'dev'")]
    public async Task BadArguments_ExitTwoWithAClearMessage(string[] args, string expected)
    {
        var (exit, _, error) = await Ctl(args);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain(expected));
    }

    [Test]
    public async Task RedisUnreachable_ExitsOneWithAShortMessage()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await FeedbackCtl.RunAsync(["status", "--redis", "127.0.0.1:1,connectTimeout=200,syncTimeout=300,asyncTimeout=300"], output, error);

        Assert.That(exit, Is.EqualTo(1));
        Assert.That(error.ToString(), Does.StartWith("feedbackctl: Redis could not serve the batch store: no connection to Redis"));
    }

    [Test]
    public async Task PolicySetListClear_AnAgent_TheNextAppendUsesIt()
    {
        var (setExit, setOut, _) = await Ctl("policy", "set", "agent-7", "--batch-size", "2", "--max-bytes", "4096", "--yes");
        var (listExit, listOut, _) = await Ctl("policy", "list", "--json");
        var (oneExit, oneOut, _) = await Ctl("policy", "list", "agent-7");
        var appended = await _store.AppendAsync(TestStores.Events("agent-7", 2));
        var stored = await SharedRedis.Connection.GetDatabase().HashGetAsync(_store.Keys.Policy(0), "agent-7");

        Assert.Multiple(() =>
        {
            Assert.That((setExit, listExit, oneExit), Is.EqualTo((0, 0, 0)));
            Assert.That(setOut, Does.Contain("agent-7: batch size 2, max bytes 4,096").And.Contain("next append"));
            var row = JsonDocument.Parse(listOut).RootElement.EnumerateArray().Single();
            Assert.That(row.GetProperty("agentId").GetString(), Is.EqualTo("agent-7"));
            Assert.That(row.GetProperty("stored").GetString(), Is.EqualTo("batch_size=2;max_bytes=4096"));
            Assert.That(oneOut, Does.Contain("agent-7").And.Contain("batch size 2"));
            Assert.That(appended.Sealed, Is.EqualTo(1), "the store's size is 3; the agent's 2 sealed it");
            Assert.That((string?)stored, Is.EqualTo("batch_size=2;max_bytes=4096"), "visible with redis-cli HGETALL <prefix>:policy");
        });

        var (clearExit, _, _) = await Ctl("policy", "clear", "agent-7", "--yes");
        var (againExit, _, againErr) = await Ctl("policy", "clear", "agent-7", "--yes");
        var (emptyExit, emptyOut, _) = await Ctl("policy", "list");
        Assert.Multiple(() =>
        {
            Assert.That((clearExit, againExit, emptyExit), Is.EqualTo((0, 1, 0)));
            Assert.That(againErr, Does.Contain("has no policy"));
            Assert.That(emptyOut, Does.Contain("every agent follows the global settings"));
        });
    }

    [TestCase("--batch-size", "0", "--batch-size is 0; allowed: 1 to 100,000")]
    [TestCase("--batch-time-ms", "5", "--batch-time-ms is 5; allowed: 10 to 86,400,000")]
    [TestCase("--max-bytes", "268435457", "--max-bytes is 268435457; allowed: 0 to 268,435,456")]
    public async Task PolicySet_ValueOutOfRange_IsRefusedAndChangesNothing(string option, string value, string message)
    {
        var (exit, _, error) = await Ctl("policy", "set", "agent-7", option, value, "--yes");

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain(message));
        Assert.That(await _store.ListPoliciesAsync(), Is.Empty);
    }

    [Test]
    public async Task PolicySet_WithoutYesOptionOrAgent_IsRefused()
    {
        var (noYes, _, noYesErr) = await Ctl("policy", "set", "agent-7", "--batch-size", "2");
        var (noOption, _, noOptionErr) = await Ctl("policy", "set", "agent-7", "--yes");
        var (batchId, _, batchIdErr) = await Ctl("policy", "set", "agent-7:12", "--batch-size", "2", "--yes");

        Assert.Multiple(() =>
        {
            Assert.That((noYes, noOption, batchId), Is.EqualTo((2, 2, 2)));
            Assert.That(noYesErr, Does.Contain("without --yes"));
            Assert.That(noOptionErr, Does.Contain("at least one of"));
            Assert.That(batchIdErr, Does.Contain("is a batch id"));
        });
        Assert.That(await _store.ListPoliciesAsync(), Is.Empty);
    }

    private async Task<string?> StoredPolicyAsync(string member) =>
        (string?)await SharedRedis.Connection.GetDatabase().HashGetAsync(_store.Keys.Policy(_store.Keys.ShardOf(member)), member);

    [Test]
    public async Task PolicySet_WithSomeParts_MergesThemIntoTheAgentsPolicy_AndReplaceDropsTheOthers()
    {
        var first = await Ctl("policy", "set", "agent-7", "--batch-size", "2", "--max-bytes", "4096", "--yes");
        var time = await Ctl("policy", "set", "agent-7", "--batch-time-ms", "5000", "--yes");
        string? afterTime = await StoredPolicyAsync("agent-7");
        var size = await Ctl("policy", "set", "agent-7", "--batch-size", "3", "--yes", "--json");
        string? afterSize = await StoredPolicyAsync("agent-7");
        var replaced = await Ctl("policy", "set", "agent-7", "--max-bytes", "100", "--replace", "--yes");
        string? afterReplace = await StoredPolicyAsync("agent-7");

        Assert.Multiple(() =>
        {
            Assert.That((first.Exit, time.Exit, size.Exit, replaced.Exit), Is.EqualTo((0, 0, 0, 0)));
            Assert.That(afterTime, Is.EqualTo("batch_size=2;batch_time_ms=5000;max_bytes=4096"), "the time joins the size and bytes set before");
            Assert.That(time.Out, Does.Contain("agent-7: batch size 2, batch time 5,000 ms, max bytes 4,096 (was: batch size 2, max bytes 4,096)"));
            Assert.That(afterSize, Is.EqualTo("batch_size=3;batch_time_ms=5000;max_bytes=4096"), "only the size changes");
            var json = JsonDocument.Parse(size.Out).RootElement;
            Assert.That(json.GetProperty("stored").GetString(), Is.EqualTo("batch_size=3;batch_time_ms=5000;max_bytes=4096"));
            Assert.That(json.GetProperty("before").GetString(), Is.EqualTo("batch_size=2;batch_time_ms=5000;max_bytes=4096"));
            Assert.That(afterReplace, Is.EqualTo("max_bytes=100"), "--replace: the parts not given follow the global settings");
        });
    }

    [Test]
    public async Task PolicyClearOnly_RemovesThoseParts_AndRemovingTheLastRemovesThePolicy()
    {
        await Ctl("policy", "set", "agent-7", "--batch-size", "2", "--batch-time-ms", "5000", "--max-bytes", "0", "--yes");

        var size = await Ctl("policy", "clear", "agent-7", "--only", "size", "--yes");
        string? afterSize = await StoredPolicyAsync("agent-7");
        var rest = await Ctl("policy", "clear", "agent-7", "--only", "time,bytes", "--yes");
        string? afterRest = await StoredPolicyAsync("agent-7");
        var none = await Ctl("policy", "clear", "agent-7", "--only", "size", "--yes");
        var bogus = await Ctl("policy", "clear", "agent-7", "--only", "count", "--yes");
        var noYes = await Ctl("policy", "clear", "agent-7", "--only", "size");

        Assert.Multiple(() =>
        {
            Assert.That((size.Exit, rest.Exit), Is.EqualTo((0, 0)));
            Assert.That(afterSize, Is.EqualTo("batch_time_ms=5000;max_bytes=0"));
            Assert.That(size.Out, Does.Contain("agent-7: batch time 5,000 ms, max bytes off (was: batch size 2, batch time 5,000 ms, max bytes off)"));
            Assert.That(afterRest, Is.Null, "no part left: the entry is gone");
            Assert.That(rest.Out, Does.Contain("cleared the policy of agent-7 (its last parts)"));
            Assert.That((none.Exit, none.Err), Is.EqualTo((1, "feedbackctl: agent-7 has no policy (it follows the global settings)" + Environment.NewLine)));
            Assert.That((bogus.Exit, bogus.Err), Is.EqualTo((2, "feedbackctl: --only 'count' is not a part of a policy; allowed: size, time, bytes" + Environment.NewLine)));
            Assert.That(noYes.Exit, Is.EqualTo(2));
            Assert.That(noYes.Err, Does.Contain("without --yes"));
        });
    }

    [Test]
    public async Task PolicySet_ForALaneInHybridMode_RefusesABatchTimeAndALaneThatCombinesNothing()
    {
        // feedbackctl reads FEEDBACK_BATCHING_MODE; unset here, it is the default, hybrid.
        Assert.That(new BatchingOptions().Mode, Is.EqualTo(BatchingMode.Hybrid));
        var time = await Ctl("policy", "set", "#global-0", "--batch-time-ms", "500", "--yes");
        var other = await Ctl("policy", "set", "#global-3", "--batch-size", "2", "--yes");
        var size = await Ctl("policy", "set", "#global-0", "--batch-size", "2", "--max-bytes", "1000", "--yes");
        var merged = await Ctl("policy", "set", "#global-0", "--batch-time-ms", "500", "--yes");
        string? lane0 = await StoredPolicyAsync("#global-0"), lane3 = await StoredPolicyAsync("#global-3");

        Assert.Multiple(() =>
        {
            Assert.That((time.Exit, other.Exit, size.Exit, merged.Exit), Is.EqualTo((2, 2, 0, 2)));
            Assert.That(time.Err, Does.Contain("#global-0: --batch-time-ms does not apply to a lane in hybrid mode"));
            Assert.That(other.Err, Does.Contain("#global-3 owns no batches in hybrid mode").And.Contain("#global-0"));
            Assert.That(lane0, Is.EqualTo("batch_size=2;max_bytes=1000"), "the refused merge changed nothing");
            Assert.That(lane3, Is.Null);
        });
    }

    [Test]
    public async Task StatusDrift_NamesOpenBytesAndOpenedEntriesWithoutAnOpenBatch()
    {
        var db = SharedRedis.Connection.GetDatabase();
        await db.HashSetAsync(_store.Keys.OpenBytes(0), "gone", 120);
        await db.HashSetAsync(_store.Keys.Opened(0), "gone", "1:2");

        var (exit, output, _) = await Ctl("status", "--drift");
        var (recountExit, recounted, _) = await Ctl("recount", "--yes");
        bool bytesLeft = await db.KeyExistsAsync(_store.Keys.OpenBytes(0)), openedLeft = await db.KeyExistsAsync(_store.Keys.Opened(0));

        Assert.Multiple(() =>
        {
            Assert.That((exit, recountExit), Is.EqualTo((0, 0)));
            Assert.That(output, Does.Contain("drift (recount)   1 of 1 shards")
                .And.Contain("1 open-bytes entries without an open batch").And.Contain("1 opened entries without an open batch")
                .And.Contain("entries without an open batch: open-bytes gone, opened gone"));
            Assert.That(recounted, Does.Contain("1 drifted and are repaired"));
            Assert.That((bytesLeft, openedLeft), Is.EqualTo((false, false)), "the recount removed both stale entries");
        });
    }
}
