using Confluent.Kafka;
using FeedbackRedis.Batching;

namespace FeedbackRedis.Ingestion;

/// <summary>One append of a micro-batch into Redis (<see cref="RedisBatchStore.AppendAsync(IReadOnlyList{AppendEvent}, IReadOnlyList{PartitionPosition}, CancellationToken)"/>).</summary>
public delegate Task<AppendResult> AppendCall(
    IReadOnlyList<AppendEvent> events, IReadOnlyList<PartitionPosition> positions, CancellationToken cancellationToken);

/// <summary>
/// The consumer's appends in flight, oldest first, at most <see cref="Capacity"/> of them: the next micro-batch is
/// fetched, classified and sent while earlier ones are still on their way, and they are taken back strictly in the
/// order they were sent (<see cref="TakeOldestAsync"/>), so offsets are acknowledged in order and only for appends Redis
/// took in.
/// <para>
/// Each append carries, per partition, the offset it expects Redis to hold (<see cref="PartitionPosition.Expected"/>):
/// the highest offset an append still in flight before it takes in, else what Redis is known to hold. Commands of one
/// connection run in the order they are sent, so when every earlier append was taken in, Redis holds exactly that; when
/// one was not (it failed, or Redis refused it), every later append of its partitions finds Redis behind and is refused
/// too, so nothing is recorded past a gap. An append of more than <see cref="RedisBatchStore.MaxEventsPerCall"/> events
/// sends its recording calls only after its others succeeded: nothing is sent after it until it is back.
/// </para>
/// Not thread-safe: the consumer loop owns it.
/// </summary>
public sealed class AppendWindow
{
    private readonly AppendCall _append;
    private readonly Queue<InFlightAppend> _inFlight = new();
    private readonly Dictionary<TopicPartition, long> _taken = [];

    public AppendWindow(AppendCall append, int capacity)
    {
        ArgumentNullException.ThrowIfNull(append);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _append = append;
        Capacity = capacity;
    }

    /// <summary>Most appends in flight (<see cref="ConsumerOptions.AppendsInFlight"/>).</summary>
    public int Capacity { get; }

    /// <summary>Appends in flight.</summary>
    public int Count => _inFlight.Count;

    /// <summary>Events sent and not yet taken back.</summary>
    public long Events { get; private set; }

    /// <summary>True when nothing more may be sent before the oldest is taken back.</summary>
    public bool IsFull => _inFlight.Count >= Capacity || _inFlight.Any(a => a.Alone);

    /// <summary>True when the oldest append is back (taking it does not wait).</summary>
    public bool OldestDone => _inFlight.TryPeek(out var oldest) && oldest.Task.IsCompleted;

    /// <summary>
    /// Sends <paramref name="messages"/> (classified; dead letters already handled) as one append: the valid events, and
    /// per partition the highest offset taken in. <paramref name="known"/> gives what Redis is known to hold for a
    /// partition no append in flight takes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The window is full.</exception>
    public InFlightAppend Send(IReadOnlyList<PendingMessage> messages, Func<TopicPartition, long> known, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(known);
        if (IsFull)
        {
            throw new InvalidOperationException($"{Count} appends are in flight; take the oldest back first");
        }

        var valid = new List<PendingMessage>(messages.Count);
        var events = new List<AppendEvent>(messages.Count);
        foreach (var message in messages)
        {
            if (!message.Classification!.IsDeadLetter)
            {
                valid.Add(message);
                events.Add(message.Classification.Event!);
            }
        }

        var highest = PartitionBook.Highest(messages);
        var positions = new List<PartitionPosition>(highest.Count);
        foreach (var (partition, taken) in highest)
        {
            long expected = _taken.TryGetValue(partition, out long inFlight) ? inFlight : known(partition);
            positions.Add(new PartitionPosition(PartitionPositions.ToKafka(partition), expected, taken));
            _taken[partition] = Math.Max(taken, inFlight);
        }

        Task<AppendResult> task;
        try
        {
            task = _append(events, positions, cancellationToken);
        }
        catch (Exception ex)
        {
            task = Task.FromException<AppendResult>(ex);
        }

        var append = new InFlightAppend([.. messages], valid, positions, task, events.Count > RedisBatchStore.MaxEventsPerCall);
        _inFlight.Enqueue(append);
        Events += events.Count;
        return append;
    }

    /// <summary>
    /// Waits for the oldest append. Taken in: it alone is returned, <see cref="WindowOutcome.Broken"/> false. Failed or
    /// refused: every later append is waited for too and all come back, oldest first, with
    /// <see cref="WindowOutcome.Broken"/> true; none of them counts as taken in (a later one Redis did take is simply
    /// sent again: its events are skipped as duplicates), and the window is empty.
    /// </summary>
    public async Task<WindowOutcome> TakeOldestAsync()
    {
        var oldest = _inFlight.Peek();
        try
        {
            if (!(await oldest.Task.ConfigureAwait(false)).Refused)
            {
                _inFlight.Dequeue();
                Events -= oldest.Valid.Count;
                foreach (var position in oldest.Positions)
                {
                    var partition = PartitionPositions.ToTopicPartition(position.Partition);
                    if (_taken.TryGetValue(partition, out long taken) && taken == position.Taken)
                    {
                        _taken.Remove(partition); // no later append in flight takes this partition further
                    }
                }

                return new WindowOutcome([oldest], false);
            }
        }
        catch (Exception)
        {
            // broken below; the caller sends everything again the careful way and meets the error itself
        }

        var all = _inFlight.ToList();
        _inFlight.Clear();
        _taken.Clear();
        Events = 0;
        foreach (var later in all)
        {
            try
            {
                await later.Task.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // already broken
            }
        }

        return new WindowOutcome(all, true);
    }
}

/// <summary>An append sent and not yet taken back.</summary>
/// <param name="Messages">Everything it acknowledges once taken in (dead letters included), in the order taken from Kafka.</param>
/// <param name="Valid">The messages whose events it appends.</param>
/// <param name="Positions">What it records per partition.</param>
/// <param name="Task">The append.</param>
/// <param name="Alone">More events than one call per shard carries: nothing is sent after it until it is back.</param>
public sealed record InFlightAppend(
    List<PendingMessage> Messages, List<PendingMessage> Valid, IReadOnlyList<PartitionPosition> Positions, Task<AppendResult> Task, bool Alone)
{
    /// <summary>What Redis answered; only for an append taken back.</summary>
    public AppendResult? Result => Task.IsCompletedSuccessfully ? Task.Result : null;
}

/// <summary>What <see cref="AppendWindow.TakeOldestAsync"/> took back.</summary>
/// <param name="Appends">The oldest alone when it was taken in; every append that was in flight when it was not.</param>
/// <param name="Broken">The oldest failed or was refused: nothing of <paramref name="Appends"/> is acknowledged.</param>
public sealed record WindowOutcome(IReadOnlyList<InFlightAppend> Appends, bool Broken);
