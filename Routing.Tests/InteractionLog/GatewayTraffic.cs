using System.Collections.Concurrent;
using System.Diagnostics;
using CallCenter.Protos.V1;
using Dapper;
using Grpc.Core;
using Npgsql;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// A gateway sending call arrivals at a steady rate on one stream, and remembering which were
/// acknowledged. Each arrival's event id is its call id, so what was acknowledged can be looked up
/// in the database directly.
/// </summary>
internal sealed class GatewayTraffic : IAsyncDisposable
{
    public const string Queue = "billing";

    private readonly AsyncDuplexStreamingCall<GatewayEvent, GatewayReply> _call;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, bool> _acknowledged = new();
    private readonly ConcurrentQueue<string> _rejections = new();
    private readonly List<string> _sent = [];
    private readonly CancellationTokenSource _stopSending = new();
    private readonly Task _reading;
    private Task _sending = Task.CompletedTask;
    private volatile bool _helloAccepted;

    private GatewayTraffic(AsyncDuplexStreamingCall<GatewayEvent, GatewayReply> call, string prefix)
    {
        _call = call;
        _prefix = prefix;
        _reading = Task.Run(ReadAnswersAsync);
    }

    public string GatewayId { get; private init; } = "";

    /// <summary>Arrivals whose sending began, in order (the one being written included).</summary>
    public int SentCount
    {
        get
        {
            lock (_sent)
            {
                return _sent.Count;
            }
        }
    }

    public IReadOnlyList<string> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    public IReadOnlySet<string> Acknowledged => _acknowledged.Keys.ToHashSet();

    public IReadOnlyCollection<string> Rejections => _rejections.ToArray();

    /// <summary>Why the stream ended, if it did (the server went away).</summary>
    public Exception? Broken { get; private set; }

    public static async Task<GatewayTraffic> ConnectAsync(Gateway.GatewayClient client, string gatewayId, string callPrefix)
    {
        var call = client.Connect();
        await call.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = gatewayId } });
        var traffic = new GatewayTraffic(call, callPrefix) { GatewayId = gatewayId };
        await Poll.Until(() => traffic._helloAccepted, "the server accepts the gateway's hello");
        return traffic;
    }

    /// <summary>Completes when the server's side of the stream has ended (and every answer in it was read).</summary>
    public Task Ended => _reading;

    /// <summary>
    /// Sends new arrivals in the background at <paramref name="perSecond"/>, never more than
    /// <paramref name="unanswered"/> waiting for their answer, until <see cref="StopSendingAsync"/> or the stream breaks.
    /// </summary>
    public void StartArrivals(int perSecond, int unanswered)
    {
        _sending = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                while (!_stopSending.IsCancellationRequested)
                {
                    var due = clock.Elapsed.TotalSeconds * perSecond;
                    if (SentCount >= due || SentCount - _acknowledged.Count - _rejections.Count >= unanswered)
                    {
                        await Task.Delay(1);
                        continue;
                    }

                    string callId;
                    lock (_sent)
                    {
                        callId = $"{_prefix}-{_sent.Count:D6}";
                        _sent.Add(callId);
                    }

                    // No cancellation here: a write cancelled half way cancels the whole call, answers and all.
                    await _call.RequestStream.WriteAsync(Arrival(callId));
                }
            }
            catch (Exception e) when (e is RpcException or IOException or InvalidOperationException or OperationCanceledException)
            {
                // The server went away or sending was stopped: what was not answered is resent by the test.
            }
        });
    }

    public async Task StopSendingAsync()
    {
        await _stopSending.CancelAsync();
        await _sending;
    }

    /// <summary>Sends these arrivals again, with their own event ids, as a gateway does after reconnecting.</summary>
    public async Task ResendAsync(IEnumerable<string> callIds)
    {
        foreach (var callId in callIds)
        {
            await _call.RequestStream.WriteAsync(Arrival(callId));
        }
    }

    public Task WaitUntilAnsweredAsync(IReadOnlyCollection<string> callIds, TimeSpan patience) =>
        Poll.Until(() => callIds.All(id => _acknowledged.ContainsKey(id)) || !_rejections.IsEmpty,
            () => $"every one of {callIds.Count} arrivals is acknowledged ({callIds.Count(_acknowledged.ContainsKey)} are; the stream {Broken?.Message ?? "is open"})",
            patience);

    private static GatewayEvent Arrival(string callId) => new()
    {
        EventId = callId,
        CallArrived = new CallArrived { CallId = callId, QueueId = Queue, CallerNumber = "+15550100" },
    };

    private async Task ReadAnswersAsync()
    {
        try
        {
            await foreach (var reply in _call.ResponseStream.ReadAllAsync())
            {
                if (reply.HelloAccepted is not null)
                {
                    _helloAccepted = true;
                }
                else if (reply.Accepted is { } accepted)
                {
                    _acknowledged[accepted.EventId] = accepted.Duplicate;
                }
                else if (reply.Rejected is { } rejected)
                {
                    _rejections.Enqueue($"{rejected.EventId}: {rejected.Code} {rejected.Field} {rejected.Message}");
                }
            }
        }
        catch (Exception e)
        {
            Broken = e;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopSending.CancelAsync();
        await _sending;
        _call.Dispose();
        await _reading;
        _stopSending.Dispose();
    }
}

/// <summary>What the interaction log holds of a gateway's arrivals.</summary>
internal static class ArrivalsInLog
{
    /// <summary>
    /// Every call in <paramref name="callIds"/> has exactly one Arrived event and one interaction
    /// row (with the gateway that brought it), and no event or row of any call is there twice.
    /// </summary>
    public static async Task ExpectExactlyOnceAsync(NpgsqlConnection database, IReadOnlyCollection<string> callIds, string gatewayId)
    {
        var ids = callIds.ToArray();
        var arrived = (await database.QueryAsync<(string CallId, long Count)>(
                "SELECT call_id, count(*) FROM call_events WHERE kind = 'Arrived' AND call_id = ANY(@ids) GROUP BY call_id", new { ids }))
            .ToDictionary(r => r.CallId, r => r.Count);
        var rows = (await database.QueryAsync<(string CallId, long Count, string? Gateway)>(
                "SELECT call_id, count(*), max(gateway_id) FROM interactions WHERE call_id = ANY(@ids) GROUP BY call_id", new { ids }))
            .ToDictionary(r => r.CallId);
        var repeatedEvents = await database.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM (SELECT 1 FROM call_events GROUP BY call_id, sequence HAVING count(*) > 1) AS twice");
        var repeatedRows = await database.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM (SELECT 1 FROM interactions GROUP BY call_id HAVING count(*) > 1) AS twice");

        var withoutArrival = ids.Where(id => arrived.GetValueOrDefault(id) != 1).ToList();
        var withoutRow = ids.Where(id => !rows.TryGetValue(id, out var row) || row.Count != 1).ToList();
        var withoutGateway = ids.Where(id => rows.TryGetValue(id, out var row) && row.Gateway != gatewayId).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(withoutArrival, Is.Empty, "calls without exactly one Arrived event");
            Assert.That(withoutRow, Is.Empty, "calls without exactly one interaction row");
            Assert.That(withoutGateway, Is.Empty, "interaction rows without the gateway's details");
            Assert.That(repeatedEvents, Is.Zero, "call events written twice");
            Assert.That(repeatedRows, Is.Zero, "interaction rows written twice");
        }
    }
}

internal static class Poll
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Waits until the condition holds, looking every few milliseconds; fails after <paramref name="patience"/>.</summary>
    public static Task Until(Func<bool> condition, string what, TimeSpan? patience = null) => Until(condition, () => what, patience);

    /// <param name="what">Described when the wait fails, so it can tell how far things got.</param>
    public static async Task Until(Func<bool> condition, Func<string> what, TimeSpan? patience = null)
    {
        var limit = patience ?? Patience;
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"not within {limit.TotalSeconds:F0} s: {what()}");
            }

            await Task.Delay(10);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? patience = null)
    {
        var limit = patience ?? Patience;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"not within {limit.TotalSeconds:F0} s: {what}");
            }

            await Task.Delay(20);
        }
    }
}
