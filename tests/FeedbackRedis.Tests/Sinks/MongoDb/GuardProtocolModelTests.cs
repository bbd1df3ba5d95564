using FeedbackRedis.Sinks;
using FeedbackRedis.Sinks.MongoDb;
using FeedbackRedis.Tests.Infrastructure;
using MongoDB.Bson;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;
using MongoDB.Driver;

namespace FeedbackRedis.Tests.Sinks.MongoDb;

/// <summary>
/// The apply protocol run against a model of the agent documents and apply records (<see cref="QueryModel"/>,
/// <see cref="ExpressionModel"/>), with the sink's own write models and decisions (<see cref="AggregateLedger"/>,
/// <see cref="AppliedGuard"/>, <see cref="AppliedContributions"/>) and random interleavings: several writers per
/// (batch, agent) (re-flushes, operator replays, flushers stalled between any two steps for hundreds of steps of
/// the others, completions by a carrier), and compactions running at any moment with a tiny window. Each model step is
/// one server operation; a read sees every write acknowledged before it (what majority reads in one causally
/// consistent session give the argument in docs/FLUSHING.md). No server.
/// </summary>
[Category(TestCategories.Unit)]
public sealed class GuardProtocolModelTests
{
    private const int Kept = 4;
    private static readonly DateTime Now = TestStores.Start.UtcDateTime.AddHours(2);

    [Test]
    public void UnderAnyInterleaving_EveryContributionIsAppliedExactlyOnce_AndAConfirmedWriterSawItApplied()
    {
        int guardedApplies = 0;
        for (int seed = 1; seed <= 300; seed++)
        {
            var run = Run(seed, Weakening.None);
            guardedApplies += run.GuardedApplies;

            Assert.Multiple(() =>
            {
                Assert.That(run.Applied.Where(p => p.Value != 1), Is.Empty, $"seed {seed}: contributions applied other than once");
                Assert.That(run.ConfirmedUnapplied, Is.Empty, $"seed {seed}: a writer confirmed a contribution that was not applied");
                Assert.That(run.Compactions, Is.GreaterThan(0), $"seed {seed}: the run must compact to mean anything");
            });
        }

        Assert.That(guardedApplies, Is.GreaterThan(0), "some contributions were applied by the guarded filter (sealed at or before the floor)");
    }

    [Test]
    public void WithoutTheFloorAndEpoch_TheSameRunsCountSomeContributionTwice()
    {
        int doubled = 0;
        for (int seed = 1; seed <= 300 && doubled == 0; seed++)
        {
            doubled += Run(seed, Weakening.NoFloorNoEpoch).Applied.Count(p => p.Value > 1);
        }

        Assert.That(doubled, Is.GreaterThan(0), "a window that forgets compacted keys is not a guard: the model must be able to see it");
    }

    /// <summary>
    /// The interleaving the epoch exists for, step by step: batch K (sealed before the floor, never applied) has two
    /// writers. W reads back (K not in the window) and reads K's record (missing), then stalls. V does the same and
    /// applies K with the guarded filter. A compaction moves K into a record and out of the window. W wakes up and
    /// sends its guarded apply: the epoch it read has moved, so it matches nothing; its next read-back finds the record.
    /// Trusting the record read alone, W would count K a second time.
    /// </summary>
    [TestCase("None", 1, TestName = "AGuardedWriterStalledAcrossAnotherWritersApplyAndACompaction_IsRefusedByTheEpoch_AndConfirmsFromTheRecord")]
    [TestCase("NoEpoch", 2, TestName = "TrustingTheRecordReadAlone_TheSameInterleavingCountsTwice")]
    public void StalledGuardedWriter_AcrossAnApplyAndACompaction_AppliesAsTheGuardAllows(string weakening, int expectedApplies)
    {
        var model = new Model();
        var k = FeedbackBatch.Read(TestFeedback.Claimed("agent-1:5", [TestFeedback.Item("agent-1", "k-1")], sealedAt: TestStores.Start.AddSeconds(5)));
        var c = MongoWriteModels.Contributions(k, new HashSet<string> { "k-1" }).Single();
        long floor = MongoWriteModels.SealedAtMs(k) + 1_000;
        model.Agents["agent-1"] = new BsonDocument
        {
            { "_id", "agent-1" },
            { AppliedGuard.KeysField, new BsonArray(Enumerable.Range(1, Kept).Select(i => $"agent-1:{100 + i}@{floor + i}")) },
            { AppliedGuard.FloorField, floor },
            { AppliedGuard.EpochField, 0L },
        };
        var result = new RunResult();
        var mode = Enum.Parse<Weakening>(weakening);
        using var w = Writer(model, k, c, completer: false, mode, result).GetEnumerator();
        for (int step = 0; step < 3; step++)
        {
            Assert.That(w.MoveNext(), Is.True, "W: fast apply (refused: before the floor), read-back, record read");
        }

        Drain(Writer(model, k, c, completer: false, mode, result));
        Assert.That(model.Count(k, "agent-1"), Is.EqualTo(1), "V applied K with the guarded filter");
        Drain(Compactor(model, "agent-1", result));
        Assert.That(model.Records, Does.Contain($"{MongoWriteModels.BatchKey(k)}|agent-1"), "the compaction moved K into a record");
        Assert.That(model.Agents["agent-1"][AppliedGuard.KeysField].AsBsonArray, Does.Not.Contain((BsonValue)MongoWriteModels.BatchKey(k)));

        while (w.MoveNext())
        {
        }

        Assert.Multiple(() =>
        {
            Assert.That(model.Count(k, "agent-1"), Is.EqualTo(expectedApplies));
            Assert.That(result.ConfirmedUnapplied, Is.Empty);
        });
    }

    private static void Drain(IEnumerable<int> steps)
    {
        using var e = steps.GetEnumerator();
        while (e.MoveNext())
        {
        }
    }

    /// <summary>Filters made weaker on purpose, to show the model can fail.</summary>
    private enum Weakening
    {
        None,

        /// <summary>The window alone, nothing for compacted keys: the old <c>$slice</c>d window without the slice.</summary>
        NoFloorNoEpoch,

        /// <summary>The guarded apply trusting its record read alone: the window check, no floor, no epoch compare.</summary>
        NoEpoch,
    }

    private static RunResult Run(int seed, Weakening weakening)
    {
        var random = new Random(seed);
        var model = new Model();
        var agents = new[] { "agent-1", "agent-2" };
        foreach (string agent in agents)
        {
            model.Agents[agent] = new BsonDocument { { "_id", agent }, { "createdAt", Now } };
        }

        var pairs = new List<(FeedbackBatch Batch, AgentContribution Contribution)>();
        for (int i = 0; i < 24; i++)
        {
            var batchAgents = random.Next(3) == 0 ? agents : [agents[random.Next(2)]];
            var items = batchAgents.Select(a => TestFeedback.Item(a, $"e-{i}-{a}"));
            var batch = FeedbackBatch.Read(TestFeedback.Claimed($"#global-0:{i}", items, sealedAt: TestStores.Start.AddSeconds(i)));
            pairs.AddRange(MongoWriteModels.Contributions(batch, batch.Events.Select(e => e.EventId).ToHashSet()).Select(c => (batch, c)));
        }

        var actors = new List<(IEnumerator<int> Steps, double Weight)>();
        var result = new RunResult();
        int next = 0;
        for (int tick = 0; tick < 20_000 && (next < pairs.Count || actors.Count > 0); tick++)
        {
            if (next < pairs.Count && random.Next(4) == 0)
            {
                var (batch, c) = pairs[next++];
                Spawn(actors, random, Writer(model, batch, c, completer: false, weakening, result));
            }

            bool busy = tick < 5_000;
            if (busy && next > 0 && random.Next(20) == 0)
            {
                var (batch, c) = pairs[random.Next(next)];
                Spawn(actors, random, Writer(model, batch, c, completer: random.Next(2) == 0, weakening, result)); // a replay, or a carrier completing it
            }

            if (busy && random.Next(10) == 0)
            {
                Spawn(actors, random, Compactor(model, agents[random.Next(2)], result));
            }

            for (int step = 0; step < 3 && actors.Count > 0; step++)
            {
                Step(actors, random);
            }
        }

        // What the flusher does with a batch not confirmed: it is tried again later, here alone.
        foreach (var (batch, c) in pairs.Where(p => model.Count(p.Batch, p.Contribution.AgentId) == 0))
        {
            using var retry = Writer(model, batch, c, completer: false, weakening, result).GetEnumerator();
            while (retry.MoveNext())
            {
            }
        }

        foreach (var (batch, c) in pairs)
        {
            result.Applied[$"{MongoWriteModels.BatchKey(batch)}|{c.AgentId}"] = model.Count(batch, c.AgentId);
        }

        return result;
    }

    private static void Spawn(List<(IEnumerator<int> Steps, double Weight)> actors, Random random, IEnumerable<int> steps) =>
        actors.Add((steps.GetEnumerator(), random.Next(5) == 0 ? 0.01 : 1.0)); // one in five stalls for a long time

    private static void Step(List<(IEnumerator<int> Steps, double Weight)> actors, Random random)
    {
        double pick = random.NextDouble() * actors.Sum(a => a.Weight);
        int i = 0;
        for (; i < actors.Count - 1 && pick >= actors[i].Weight; i++)
        {
            pick -= actors[i].Weight;
        }

        if (!actors[i].Steps.MoveNext())
        {
            actors[i].Steps.Dispose();
            actors.RemoveAt(i);
        }
    }

    /// <summary>One writer of one contribution, in the order <see cref="MongoFeedbackSink"/> sends its steps.</summary>
    private static IEnumerable<int> Writer(Model model, FeedbackBatch batch, AgentContribution c, bool completer, Weakening weakening, RunResult result)
    {
        var write = new GroupWrite([batch]);
        var share = new OwnerShare(MongoWriteModels.BatchKey(batch), batch.BatchId, batch.Claim.SealedAt.UtcDateTime, c.AgentId, batch);
        var ledger = completer ? new AggregateLedger([], [share]) : new AggregateLedger([(batch, [c])], []);
        if (!completer)
        {
            model.Apply(MongoWriteModels.ApplyContribution(c, ApplyGuard.Fast(share.OwnerKey, MongoWriteModels.SealedAtMs(batch)), 100, Now), batch, c.AgentId, weakening);
            yield return 0;
        }

        for (int round = 0; ledger.AnyOpen(write); round++)
        {
            var (agents, keys) = ledger.ReadBackOf(write);
            ledger.ObserveStates(agents.ToDictionary(a => a, a => model.ReadBack(a, keys)), write);
            yield return 0;
            if (!ledger.AnyOpen(write) || round == MongoFeedbackSink.MaxGuardRounds)
            {
                break;
            }

            ledger.ObserveRecords(ledger.RecordIdsToCheck(write).Where(model.Records.Contains).ToHashSet(), write);
            yield return 0;
            ledger.ObserveShares(ledger.SharesToRead(write), new Dictionary<OwnerShare, AgentContribution> { [share] = c });
            foreach (var p in ledger.ToApplyGuarded(write, completer))
            {
                if (model.Apply(MongoWriteModels.ApplyContribution(p.Contribution!, p.Guarded, 100, Now), batch, c.AgentId, weakening))
                {
                    result.GuardedApplies++;
                }

                yield return 0;
            }
        }

        if (!ledger.AnyOpen(write) && model.Count(batch, c.AgentId) == 0)
        {
            result.ConfirmedUnapplied.Add($"{share.OwnerKey}|{c.AgentId}");
        }
    }

    /// <summary>One compaction, in the order the sink sends it: read the window, write the records, then the update.</summary>
    private static IEnumerable<int> Compactor(Model model, string agent, RunResult result)
    {
        var window = model.Agents[agent].GetValue(AppliedGuard.KeysField, new BsonArray()).AsBsonArray.Select(k => k.AsString).ToList();
        var plan = AppliedContributions.Plan(agent, window, Kept);
        yield return 0;
        if (plan is null)
        {
            yield break;
        }

        foreach (string key in plan.Evicted)
        {
            model.Records.Add(Render(AppliedContributions.Record(key, agent, Now).Filter)["_id"].AsString);
        }

        yield return 0;
        var compact = AppliedContributions.Compact(plan);
        model.Agents[agent] = QueryModel.ApplyClassicUpdate(Render(compact.Update).AsBsonDocument, model.Agents[agent]);
        result.Compactions++;
    }

    private static RenderArgs<BsonDocument> Args => new(BsonDocumentSerializer.Instance, BsonSerializer.SerializerRegistry);

    private static BsonDocument Render(FilterDefinition<BsonDocument> filter) => filter.Render(Args);

    private static BsonValue Render(UpdateDefinition<BsonDocument> update) => update.Render(Args);

    private sealed class RunResult
    {
        public Dictionary<string, int> Applied { get; } = [];

        public List<string> ConfirmedUnapplied { get; } = [];

        public int Compactions { get; set; }

        public int GuardedApplies { get; set; }
    }

    /// <summary>The agent documents and the apply records; counts how often each (batch, agent) update matched.</summary>
    private sealed class Model
    {
        private readonly Dictionary<string, int> _applied = [];

        public Dictionary<string, BsonDocument> Agents { get; } = [];

        public HashSet<string> Records { get; } = [];

        public int Count(FeedbackBatch batch, string agent) => _applied.GetValueOrDefault($"{MongoWriteModels.BatchKey(batch)}|{agent}");

        public bool Apply(UpdateOneModel<BsonDocument> model, FeedbackBatch batch, string agent, Weakening weakening)
        {
            var filter = Render(model.Filter);
            bool isGuarded = filter.Contains("$or");
            if (weakening == Weakening.NoFloorNoEpoch || (weakening == Weakening.NoEpoch && isGuarded))
            {
                filter = new BsonDocument { { "_id", filter["_id"] }, { AppliedGuard.KeysField, filter[AppliedGuard.KeysField] } };
            }

            var doc = Agents[agent];
            if (QueryModel.Matches(filter, doc))
            {
                Agents[agent] = ExpressionModel.ApplySetPipeline(Render(model.Update).AsBsonArray, doc);
                string pair = $"{MongoWriteModels.BatchKey(batch)}|{agent}";
                _applied[pair] = _applied.GetValueOrDefault(pair) + 1;
                return true;
            }

            return false;
        }

        /// <summary>The read-back: <see cref="AppliedGuard.StateProjection"/> evaluated on the document.</summary>
        public AgentGuardState ReadBack(string agent, IReadOnlyList<string> keys)
        {
            var doc = Agents[agent];
            var projected = new BsonDocument("_id", agent);
            foreach (var field in AppliedGuard.StateProjection(keys))
            {
                if (field.Value is BsonInt32 { Value: 1 })
                {
                    if (doc.TryGetValue(field.Name, out var value))
                    {
                        projected[field.Name] = value;
                    }
                }
                else
                {
                    projected[field.Name] = ExpressionModel.Evaluate(field.Value, doc, new Dictionary<string, BsonValue?>()) ?? BsonNull.Value;
                }
            }

            return AppliedGuard.State(projected);
        }
    }
}
