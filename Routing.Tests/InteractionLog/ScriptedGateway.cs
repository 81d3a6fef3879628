using System.Collections.Concurrent;
using CallCenter.Protos.V1;
using Grpc.Core;

namespace CallCenter.Routing.Tests.InteractionLog;

/// <summary>
/// A gateway that keeps every call update it is sent and every answer to its events. An event may be
/// sent and its answer awaited, or sent without waiting (writes still go one at a time).
/// </summary>
internal sealed class ScriptedGateway : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<GatewayEvent, GatewayReply> _call;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<GatewayReply>> _answers = new();
    private readonly ConcurrentQueue<CallUpdate> _updates = new();
    private readonly TaskCompletionSource<HelloAccepted> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<StatusCode?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ConcurrentDictionary<string, bool> _answered = new();
    private readonly Task _reading;

    private ScriptedGateway(AsyncDuplexStreamingCall<GatewayEvent, GatewayReply> call)
    {
        _call = call;
        _reading = Task.Run(ReadAsync);
    }

    public bool Resumed { get; private set; }

    /// <summary>How the server ended the stream: null when it ended it without an error.</summary>
    public Task<StatusCode?> EndedWith => _ended.Task;

    public static async Task<ScriptedGateway> ConnectAsync(Gateway.GatewayClient client, string gatewayId, string domainId = "")
    {
        var gateway = new ScriptedGateway(client.Connect());
        await gateway._call.RequestStream.WriteAsync(new GatewayEvent { Hello = new Hello { GatewayId = gatewayId, DomainId = domainId } });
        gateway.Resumed = (await gateway._hello.Task.WaitAsync(Poll.Patience)).Resumed;
        return gateway;
    }

    /// <summary>Whether the server answered the event (accepted or rejected it).</summary>
    public bool Answered(string eventId) => _answered.ContainsKey(eventId);

    public async Task<GatewayReply> SendAsync(GatewayEvent gatewayEvent)
    {
        var answer = _answers.GetOrAdd(gatewayEvent.EventId, _ => new TaskCompletionSource<GatewayReply>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _writing.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(gatewayEvent);
        }
        finally
        {
            _writing.Release();
        }

        var reply = await answer.Task.WaitAsync(Poll.Patience);
        _answers.TryRemove(gatewayEvent.EventId, out _);
        return reply;
    }

    public async Task AcceptedAsync(GatewayEvent gatewayEvent)
    {
        var reply = await SendAsync(gatewayEvent);
        Assert.That(reply.Accepted, Is.Not.Null, $"{gatewayEvent.EventId}: {reply}");
    }

    /// <summary>The epoch of the call's first ring.</summary>
    public async Task<long> RingAsync(string call) => (await UpdateAsync(call, u => u.RingAgent is not null)).RingAgent.Epoch;

    public async Task<CallUpdate> UpdateAsync(string call, Func<CallUpdate, bool> wanted)
    {
        CallUpdate? found = null;
        await Poll.Until(() => (found = _updates.FirstOrDefault(u => u.CallId == call && wanted(u))) is not null, $"an update of {call}");
        return found!;
    }

    /// <summary>The next ring at <paramref name="agent"/> of a call not in <paramref name="served"/>.</summary>
    public async Task<(string Call, long Epoch)> NextRingAtAsync(string agent, IReadOnlyCollection<string> served)
    {
        CallUpdate? found = null;
        await Poll.Until(
            () => (found = _updates.FirstOrDefault(u => u.RingAgent?.AgentId == agent && !served.Contains(u.CallId))) is not null,
            $"a ring at {agent}");
        return (found!.CallId, found.RingAgent.Epoch);
    }

    public async ValueTask DisposeAsync()
    {
        _call.Dispose();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var reply in _call.ResponseStream.ReadAllAsync())
            {
                Take(reply);
            }

            _ended.TrySetResult(null);
        }
        catch (RpcException e)
        {
            _ended.TrySetResult(e.StatusCode);
        }
    }

    private void Take(GatewayReply reply)
    {
        switch (reply.ReplyCase)
        {
            case GatewayReply.ReplyOneofCase.HelloAccepted:
                _hello.TrySetResult(reply.HelloAccepted);
                break;
            case GatewayReply.ReplyOneofCase.CallUpdate:
                _updates.Enqueue(reply.CallUpdate);
                break;
            case GatewayReply.ReplyOneofCase.Batch:
                foreach (var inner in reply.Batch.Replies)
                {
                    Take(inner);
                }

                break;
            default:
                var eventId = reply.Accepted?.EventId ?? reply.Rejected?.EventId ?? "";
                _answered[eventId] = true;
                _answers.GetOrAdd(eventId, _ => new TaskCompletionSource<GatewayReply>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(reply);
                break;
        }
    }
}
