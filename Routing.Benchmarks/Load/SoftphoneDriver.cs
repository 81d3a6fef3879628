using CallCenter.Protos.V1;
using Grpc.Core;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// One agent's softphone: logs in, keeps a session open (its commands and their results travel on
/// it, among the updates), accepts (or now and then rejects) each offer, finishes wrap-up with a
/// disposition, and at a set rate drops its stream in the middle of an offer and comes back, as a
/// softphone on a bad network does.
/// </summary>
internal sealed class SoftphoneDriver(Softphone.SoftphoneClient softphone, int agent, CallBook book, DelayedActions delays, LoadSettings settings)
{
    private readonly string _agentId = book.AgentId(agent);

    /// <summary>A client stream takes one write at a time; commands come from the listener and from timers.</summary>
    private readonly SemaphoreSlim _writing = new(1, 1);

    private CancellationTokenSource _subscription = new();
    private AsyncDuplexStreamingCall<SoftphoneCommand, AgentUpdate>? _session;
    private long _nextCommand;
    private volatile bool _stopped;
    private string? _currentCall;

    public string AgentId => _agentId;

    public async Task LogInAsync(IEnumerable<AgentSkill> skills)
    {
        var login = new LogInRequest { AgentId = _agentId };
        login.Skills.AddRange(skills);
        await softphone.LogInAsync(login);
    }

    /// <summary>Opens the session and returns once its first update (the current state) arrived.</summary>
    public async Task SubscribeAsync()
    {
        var current = new TaskCompletionSource<CurrentState>(TaskCreationOptions.RunContinuationsAsynchronously);
        _subscription = new CancellationTokenSource();
        var session = softphone.Session(cancellationToken: _subscription.Token);
        _session = session;
        _ = Task.Run(() => ListenAsync(session, _subscription.Token, current));
        await Command(new SoftphoneCommand { Open = new AgentRequest { AgentId = _agentId } });
        var state = await current.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (state.Status == AgentStatus.NotReady || state.Status == AgentStatus.LoggedOut)
        {
            await Command(new SoftphoneCommand { SetState = new SetStateRequest { Available = new Available() } });
        }
        else if (state.Status == AgentStatus.WrapUp && state.CallId.Length > 0)
        {
            await FinishWrapUpAsync(state.CallId);
        }
    }

    public Task HeartbeatAsync() => Command(new SoftphoneCommand { Heartbeat = new AgentRequest() });

    public async Task StopAsync()
    {
        _stopped = true;
        await _subscription.CancelAsync();
    }

    private async Task ListenAsync(
        AsyncDuplexStreamingCall<SoftphoneCommand, AgentUpdate> session, CancellationToken cancellation, TaskCompletionSource<CurrentState> current)
    {
        try
        {
            using var updates = session;
            await foreach (var update in updates.ResponseStream.ReadAllAsync(cancellation))
            {
                Interlocked.Increment(ref book.Messages);
                switch (update.UpdateCase)
                {
                    case AgentUpdate.UpdateOneofCase.Current:
                        current.TrySetResult(update.Current);
                        break;
                    case AgentUpdate.UpdateOneofCase.Offer:
                        await AnswerAsync(update.Offer);
                        break;
                    case AgentUpdate.UpdateOneofCase.Assignment:
                        var call = book.CallNumber(update.Assignment.CallId);
                        if (call >= 0)
                        {
                            book.MarkAgent(book.AssignedAgent, call, agent);
                        }

                        _currentCall = update.Assignment.CallId;
                        break;
                    case AgentUpdate.UpdateOneofCase.Revoked:
                        Interlocked.Increment(ref book.Revocations);
                        break;
                    case AgentUpdate.UpdateOneofCase.Result when update.Result.Code.Length > 0:
                        // An answer that crossed a revocation is refused as a real softphone's would be, and the run goes on.
                        book.Error($"softphone command refused: {update.Result.Code}");
                        break;
                    case AgentUpdate.UpdateOneofCase.StateChanged when update.StateChanged.To == AgentStatus.WrapUp && _currentCall is { } ended:
                        _currentCall = null;
                        if (settings.WrapUpMilliseconds > 0)
                        {
                            delays.After(settings.WrapUpMilliseconds, () => _ = FinishWrapUpAsync(ended));
                        }
                        else
                        {
                            await FinishWrapUpAsync(ended);
                        }

                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }
        catch (RpcException e)
        {
            book.Error($"softphone stream: {e.StatusCode}");
        }
    }

    private async Task AnswerAsync(OfferPresented offer)
    {
        var call = book.CallNumber(offer.CallId);
        if (call >= 0)
        {
            book.MarkOffered(call);
        }

        var answer = new OfferAnswer { CallId = offer.CallId, Epoch = offer.Epoch };
        var roll = Random.Shared.NextDouble();
        if (roll < settings.RejectShare)
        {
            Interlocked.Increment(ref book.Rejections);
            await Command(new SoftphoneCommand { RejectOffer = answer });
        }
        else if (roll < settings.RejectShare + settings.DisconnectShare && !_stopped)
        {
            Interlocked.Increment(ref book.Disconnects);
            await _subscription.CancelAsync();
            delays.After(settings.ReconnectMilliseconds, () => _ = ReconnectAsync());
        }
        else
        {
            await Command(new SoftphoneCommand { AcceptOffer = answer });
        }
    }

    private async Task ReconnectAsync()
    {
        if (_stopped)
        {
            return;
        }

        try
        {
            await SubscribeAsync();
        }
        catch (Exception e) when (e is RpcException or TimeoutException)
        {
            book.Error("softphone could not reconnect");
        }
    }

    private Task FinishWrapUpAsync(string callId)
    {
        var request = new FinishWrapUpRequest
        {
            CallId = callId,
            DispositionCode = LoadProfile.Dispositions[Random.Shared.Next(LoadProfile.Dispositions.Length)],
        };
        if (Random.Shared.NextDouble() < 0.3)
        {
            request.SatisfactionScore = Random.Shared.Next(1, 6);
        }

        request.Complaint = Random.Shared.NextDouble() < 0.02;
        return Command(new SoftphoneCommand { FinishWrapUp = request });
    }

    /// <summary>
    /// Sends a command on the open session; its result comes among the updates. While the
    /// softphone is away (between a drop and its reconnect) the command is not sent: on
    /// reconnecting it starts from where the agent stands.
    /// </summary>
    private async Task Command(SoftphoneCommand command)
    {
        if (_session is not { } session || _subscription.IsCancellationRequested)
        {
            return;
        }

        command.CommandId = Interlocked.Increment(ref _nextCommand).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Interlocked.Increment(ref book.Messages);
        await _writing.WaitAsync();
        try
        {
            await session.RequestStream.WriteAsync(command);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // The stream dropped while the command was being sent; the reconnect starts from the truth.
        }
        finally
        {
            _writing.Release();
        }
    }
}
