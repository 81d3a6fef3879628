using System.Text.Json;
using CallCenter.Protos.V1;
using CallCenter.Routing.Agents.AgentActors;
using CallCenter.Routing.Agents.Calls;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Host.InteractionLog;
using CallCenter.Routing.Model;
using Grpc.Core;

namespace CallCenter.Routing.Host.Edge;

/// <summary>Turns a gateway's call event into a command for the routing domain, and the outcome into the event's answer.</summary>
/// <remarks>
/// An accepted event is acknowledged only once what it caused is in the interaction log: routing
/// goes on at once, the acknowledgement follows the commit.
/// </remarks>
public sealed class GatewayEvents(
    DomainClient domain, GatewayRegistry registry, LogDurability log, OverloadProbe overload, EdgeSettings settings, TimeProvider clock,
    ShutdownDrain drain)
{
    private readonly TierId _defaultTier = new(settings.DefaultTier);
    private readonly NameTable _names = new();

    /// <param name="mayFlagEmergency">Whether the gateway's token lets it flag a call as an emergency.</param>
    public async Task<GatewayReply> CarryOut(GatewayLink gateway, GatewayEvent gatewayEvent, bool mayFlagEmergency, CancellationToken cancellation)
    {
        var eventId = gatewayEvent.EventId;
        CallId? owned = null;
        try
        {
            var (command, prefix, newCall) = ToCommand(gatewayEvent, mayFlagEmergency);
            if (newCall is { } call)
            {
                if (drain.IsDraining && !registry.Knows(call))
                {
                    return Rejected(eventId, new BadRequestException(StatusCode.Unavailable, "call_arrived",
                        "the server is stopping and takes no new calls; route the call to another server"));
                }

                if (overload.RefusesArrivals && !registry.Knows(call) && !overload.Admit())
                {
                    // Refused before anything is done or logged: the cheapest answer the server can give. Not
                    // remembered under the event id, so the gateway's resend is tried again once the overload passes.
                    return Rejected(eventId, new BadRequestException(StatusCode.ResourceExhausted, "call_arrived",
                        "the server is overloaded and takes no new calls until it catches up; route the call elsewhere or play busy"));
                }

                if (!registry.Own(call, gateway))
                {
                    return Rejected(eventId, new BadRequestException(
                        StatusCode.AlreadyExists, "call_arrived.call_id", $"call '{call}' belongs to another gateway"));
                }

                owned = call;
            }

            var outcome = await domain.Send(gateway.Domain, command, cancellation);
            if (outcome.Succeeded)
            {
                owned = null;

                // In the commit that makes the event's effect durable (or a later one): a resend after a restart is a duplicate.
                var accepted = new LogRecord.GatewayEvent(gateway.Id, eventId, clock.GetUtcNow()) { Domain = gateway.Domain };
                // The arrival's details go with every arrival the domain takes, its repeats too: a server
                // stopped after the call's events were written and before its details were has them
                // from the resend. They are kept as first written, so a repeat changes none of them.
                await WaitUntilDurable(gateway.Domain,
                    newCall is not null ? [Details(gateway, gatewayEvent.CallArrived), accepted] : [accepted],
                    cancellation);
                return new GatewayReply { Accepted = new EventAccepted { EventId = eventId, Duplicate = outcome.Code == OutcomeCode.Unchanged } };
            }

            return Rejected(eventId, DomainClient.Refusal(outcome, prefix, command));
        }
        catch (BadRequestException bad)
        {
            return Rejected(eventId, bad);
        }
        catch (RpcException unavailable)
        {
            return Rejected(eventId, new BadRequestException(unavailable.StatusCode, "", unavailable.Status.Detail));
        }
        finally
        {
            if (owned is { } refused)
            {
                registry.Release(refused, gateway);
            }
        }
    }

    private async Task WaitUntilDurable(string domainId, IReadOnlyList<LogRecord> records, CancellationToken cancellation)
    {
        try
        {
            await log.WaitUntilDurable(domainId, records, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not durable: no acknowledgement. The answer is not remembered, so the gateway's resend is tried again.
            throw RequestChecks.Unavailable($"the interaction log could not record the event ({e.Message}); resend it").ToRpcException();
        }
    }

    /// <summary>What only the gateway knows of a call, for its interaction row.</summary>
    private static LogRecord.Interaction Details(GatewayLink gateway, CallArrived arrived) => new(new CallId(arrived.CallId), 0)
    {
        Domain = gateway.Domain,
        Gateway = gateway.Id,
        Caller = string.IsNullOrEmpty(arrived.CallerNumber) ? null : arrived.CallerNumber,
        Customer = string.IsNullOrEmpty(arrived.CustomerId) ? null : arrived.CustomerId,
        Attributes = arrived.Attributes.Count == 0 ? null : JsonSerializer.Serialize(arrived.Attributes),
    };

    public static GatewayReply Rejected(string eventId, BadRequestException problem) => new()
    {
        Rejected = new EventRejected
        {
            EventId = eventId,
            Code = RequestChecks.CodeName(problem.Code),
            Field = problem.Field,
            Message = problem.Detail,
        },
    };

    /// <summary>The command an event asks for, the proto path of its fields, and the call it brings when it brings one.</summary>
    private (object Command, string Prefix, CallId? NewCall) ToCommand(GatewayEvent gatewayEvent, bool mayFlagEmergency)
    {
        switch (gatewayEvent.EventCase)
        {
            case GatewayEvent.EventOneofCase.CallArrived:
                var arrive = ToArrive(gatewayEvent.CallArrived, mayFlagEmergency);
                return (arrive, "call_arrived", arrive.Call);
            case GatewayEvent.EventOneofCase.CallAnswered:
                var answered = gatewayEvent.CallAnswered;
                return (new AgentProtocol.Accept(
                    new AgentId(RequestChecks.Id(answered.AgentId, "call_answered.agent_id")),
                    new CallId(RequestChecks.Id(answered.CallId, "call_answered.call_id")),
                    answered.Epoch), "call_answered", null);
            case GatewayEvent.EventOneofCase.CallHungUp:
                return (ToHangUp(gatewayEvent.CallHungUp), "call_hung_up", null);
            case GatewayEvent.EventOneofCase.TransferRequested:
                var transfer = gatewayEvent.TransferRequested;
                return (ToTransfer(
                    transfer.CallId, transfer.FromAgentId, transfer.Kind, transfer.ToQueueId, transfer.ToAgentId,
                    "transfer_requested", "from_agent_id"), "transfer_requested", null);
            case GatewayEvent.EventOneofCase.CallbackRequested:
                return (new CallProtocol.RequestCallback(
                    new CallId(RequestChecks.Id(gatewayEvent.CallbackRequested.CallId, "callback_requested.call_id"))),
                    "callback_requested", null);
            case GatewayEvent.EventOneofCase.CallbackCancelled:
                return (new CallProtocol.CancelCallback(
                    new CallId(RequestChecks.Id(gatewayEvent.CallbackCancelled.CallId, "callback_cancelled.call_id"))),
                    "callback_cancelled", null);
            case GatewayEvent.EventOneofCase.Hello:
                throw new BadRequestException(StatusCode.FailedPrecondition, "hello", "the gateway already said hello on this stream");
            case GatewayEvent.EventOneofCase.Batch:
                throw RequestChecks.Invalid("batch", "a batch holds events, not another batch");
            default:
                throw RequestChecks.Invalid("event", "names no event");
        }
    }

    private CallProtocol.Arrive ToArrive(CallArrived arrived, bool mayFlagEmergency)
    {
        const string prefix = "call_arrived";
        var call = new CallId(RequestChecks.Id(arrived.CallId, $"{prefix}.call_id"));
        if (arrived.Emergency && !mayFlagEmergency)
        {
            throw RequestChecks.PermissionDenied($"{prefix}.emergency", "the gateway's token does not allow flagging emergencies (its 'emergency' claim)");
        }

        RequestChecks.OptionalText(arrived.CallerNumber, $"{prefix}.caller_number", RequestChecks.MaxIdLength);
        RequestChecks.OptionalText(arrived.CustomerId, $"{prefix}.customer_id", RequestChecks.MaxIdLength);
        RequestChecks.Count(arrived.Attributes.Count, $"{prefix}.attributes");
        foreach (var (key, value) in arrived.Attributes)
        {
            RequestChecks.Id(key, $"{prefix}.attributes");
            RequestChecks.OptionalText(value, $"{prefix}.attributes[{key}]", 1_000);
        }

        var queue = RequestChecks.OptionalId(arrived.QueueId, $"{prefix}.queue_id");
        if (queue is null)
        {
            var dialed = RequestChecks.OptionalId(arrived.DialedNumber, $"{prefix}.dialed_number")
                ?? throw RequestChecks.Invalid($"{prefix}.queue_id", "is required when no dialed_number is given");
            queue = settings.DialedNumbers.TryGetValue(dialed, out var mapped)
                ? mapped
                : throw new BadRequestException(StatusCode.NotFound, $"{prefix}.dialed_number", $"no queue answers '{dialed}'");
        }

        var preferred = RequestChecks.OptionalId(arrived.PreferredAgentId, $"{prefix}.preferred_agent_id");
        DateTimeOffset? arrivedAt = arrived.ArrivedAt is { } at ? ArrivedAt(at, $"{prefix}.arrived_at") : null;
        return new CallProtocol.Arrive(
            call,
            new QueueId(_names.Shared(queue)),
            RequestChecks.OptionalId(arrived.TierId, $"{prefix}.tier_id") is { } tier ? new TierId(_names.Shared(tier)) : _defaultTier,
            arrived.Emergency,
            arrived.RequiredSkills.ToCore($"{prefix}.required_skills"),
            preferred is null ? null : new AgentId(preferred),
            arrivedAt);
    }

    /// <summary>
    /// When the call entered the telephony system, on the routing domain's clock: a little ahead (clock
    /// skew) is now; further ahead, or older than a gateway may hold a call, is refused.
    /// </summary>
    private DateTimeOffset ArrivedAt(Google.Protobuf.WellKnownTypes.Timestamp given, string field)
    {
        DateTimeOffset at;
        try
        {
            at = given.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw RequestChecks.Invalid(field, "is not a valid timestamp");
        }

        var now = domain.System.Scheduler.Now;
        var skew = TimeSpan.FromSeconds(settings.ArrivalClockSkewSeconds);
        if (at > now + skew)
        {
            throw RequestChecks.Invalid(field,
                $"is {(at - now).TotalSeconds:0.###} s ahead of the server's clock; at most {skew.TotalSeconds:0.###} s of clock skew is allowed");
        }

        var oldest = TimeSpan.FromMinutes(settings.MaxArrivalAgeMinutes);
        if (at < now - oldest)
        {
            throw RequestChecks.Invalid(field, $"is more than {oldest.TotalMinutes:0.###} minutes ago; a gateway holds a call for no longer");
        }

        return at < now ? at : now;
    }

    private static object ToHangUp(CallHungUp hungUp)
    {
        var call = new CallId(RequestChecks.Id(hungUp.CallId, "call_hung_up.call_id"));
        return hungUp.Party switch
        {
            Party.Unspecified or Party.Caller => new CallProtocol.HangUp(call),
            Party.Agent => new AgentProtocol.HangUp(new AgentId(RequestChecks.Id(hungUp.AgentId, "call_hung_up.agent_id")), call),
            _ => throw RequestChecks.Invalid("call_hung_up.party", "must be PARTY_CALLER or PARTY_AGENT"),
        };
    }

    /// <summary>A transfer asked for by a gateway or a softphone: exactly one target, a queue or an agent.</summary>
    public static CallProtocol.Transfer ToTransfer(
        string callId, string fromAgentId, TransferKind kind, string toQueueId, string toAgentId, string prefix, string fromField)
    {
        string Field(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
        var call = new CallId(RequestChecks.Id(callId, Field("call_id")));
        var from = new AgentId(RequestChecks.Id(fromAgentId, Field(fromField)));
        var toQueue = RequestChecks.OptionalId(toQueueId, Field("to_queue_id"));
        var toAgent = RequestChecks.OptionalId(toAgentId, Field("to_agent_id"));
        if ((toQueue is null) == (toAgent is null))
        {
            throw RequestChecks.Invalid(Field("to_queue_id"), "exactly one of to_queue_id and to_agent_id is required");
        }

        return new CallProtocol.Transfer(
            call, from, kind.ToCore(Field("kind")),
            toQueue is null ? null : new QueueId(toQueue),
            toAgent is null ? null : new AgentId(toAgent));
    }
}
