using System.Collections.Concurrent;
using System.Threading.Channels;
using CallCenter.Routing.Agents.Domain;
using CallCenter.Protos.V1;
using CallCenter.Routing.Host.Configuration;
using CallCenter.Routing.Model;

namespace CallCenter.Routing.Host.Edge;

/// <summary>
/// The gateways the server knows, each outliving its streams: the event ids it sent (so a resent
/// event is answered again and changes nothing), the calls it owns, and the updates held for it
/// while it is disconnected.
/// </summary>
public sealed class GatewayRegistry(EdgeSettings settings)
{
    private readonly ConcurrentDictionary<string, GatewayLink> _gateways = new();
    private readonly ConcurrentDictionary<CallId, GatewayLink> _owners = new();

    /// <summary>Makes <paramref name="session"/> the gateway's stream, displacing an older one: it is greeted, then given what was held.</summary>
    /// <param name="domainId">The routing domain the gateway's hello named: its events go there.</param>
    public GatewayLink Attach(string gatewayId, string domainId, ChannelWriter<GatewayReply> session, out bool resumed)
    {
        var known = true;
        var link = _gateways.GetOrAdd(gatewayId, id =>
        {
            known = false;
            return new GatewayLink(id, settings);
        });
        resumed = known;
        link.Domain = domainId;
        link.Attach(session, new GatewayReply { HelloAccepted = new HelloAccepted { GatewayId = gatewayId, Resumed = known } });
        return link;
    }

    /// <summary>
    /// After a restart, before any gateway connects: the gateways of the calls still open own them
    /// again, and the events accepted within the resend window are remembered, so their resends are
    /// duplicates. A gateway known this way is greeted as resumed.
    /// </summary>
    public void Restore(IEnumerable<(string Gateway, CallId Call)> owners, IEnumerable<(string Gateway, string EventId)> accepted)
    {
        foreach (var (gateway, call) in owners)
        {
            _owners.TryAdd(call, _gateways.GetOrAdd(gateway, id => new GatewayLink(id, settings)));
        }

        foreach (var (gateway, eventId) in accepted)
        {
            _gateways.GetOrAdd(gateway, id => new GatewayLink(id, settings)).RememberAccepted(eventId);
        }
    }

    /// <summary>The stream ended; updates are held until the gateway returns.</summary>
    public void Detach(GatewayLink link, ChannelWriter<GatewayReply> session) => link.Detach(session);

    /// <summary>
    /// Records that the call's updates go to <paramref name="link"/>. False when another gateway
    /// owns the call: one call id, one gateway.
    /// </summary>
    public bool Own(CallId call, GatewayLink link) => _owners.GetOrAdd(call, link) == link;

    /// <summary>The call is in the server now (arrived, not yet ended).</summary>
    public bool Knows(CallId call) => _owners.ContainsKey(call);

    /// <summary>Forgets the call's owner when <paramref name="link"/> took it only for an arrival that was refused.</summary>
    public void Release(CallId call, GatewayLink link) => _owners.TryRemove(new KeyValuePair<CallId, GatewayLink>(call, link));

    /// <summary>
    /// Sends an update to the call's gateway, or holds it while the gateway is away; after the call's
    /// last update, the call is forgotten. False when no stream of the gateway on this node took it:
    /// the gateway may be connected to another node of the cluster.
    /// </summary>
    public bool Deliver(CallId call, GatewayReply update, bool last) => Owner(call, last)?.Send(update) ?? false;

    /// <summary>
    /// An update from the node the call's domain runs on, for a gateway connected here: written to its
    /// stream, never held (that node holds it); the call is forgotten after its last update.
    /// </summary>
    public void DeliverFromPeer(CallId call, GatewayReply update, bool last) => Owner(call, last)?.SendIfConnected(update);

    /// <summary>The gateway that owns the call, forgetting the call with its last update.</summary>
    private GatewayLink? Owner(CallId call, bool last) =>
        (last ? _owners.TryRemove(call, out var link) : _owners.TryGetValue(call, out link)) ? link : null;
}

/// <summary>One gateway, across its reconnects.</summary>
public sealed class GatewayLink(string id, EdgeSettings settings)
{
    /// <summary>What a remembered event that was accepted is kept as: its answer is rebuilt from the event id.</summary>
    private static readonly object Accepted = new();

    private readonly Lock _gate = new();

    /// <summary>
    /// By event id: the task carrying the event out, then, once it is done, <see cref="Accepted"/> or the
    /// rejection. Hundreds of thousands are remembered, so a done event keeps only what its repeat's
    /// answer needs (a finished task would keep its whole state machine).
    /// </summary>
    private readonly Dictionary<string, object> _seen = [];
    private readonly Queue<string> _seenOrder = new();
    private readonly Queue<GatewayReply> _held = new();
    private ChannelWriter<GatewayReply>? _session;

    public string Id { get; } = id;

    /// <summary>The routing domain the gateway's last hello named, which its events go to.</summary>
    public string Domain { get; set; } = DomainEvents.DefaultDomain;

    /// <summary>Updates dropped because the gateway stayed away longer than the hold allows.</summary>
    public long DroppedWhileAway { get; private set; }

    /// <summary>The new stream gets <paramref name="greeting"/> first, then what was held for the gateway.</summary>
    public void Attach(ChannelWriter<GatewayReply> session, GatewayReply greeting)
    {
        lock (_gate)
        {
            _session?.TryComplete();
            _session = session;
            session.TryWrite(greeting);
            while (_held.TryDequeue(out var update))
            {
                session.TryWrite(update);
            }
        }
    }

    public void Detach(ChannelWriter<GatewayReply> session)
    {
        lock (_gate)
        {
            if (_session == session)
            {
                _session = null;
            }
        }
    }

    /// <summary>
    /// Writes to the current stream, or holds the update (up to a bound) until the gateway returns.
    /// True when a stream took it.
    /// </summary>
    public bool Send(GatewayReply reply)
    {
        lock (_gate)
        {
            if (_session is { } session && session.TryWrite(reply))
            {
                return true;
            }

            if (reply.ReplyCase != GatewayReply.ReplyOneofCase.CallUpdate)
            {
                // An answer to an event is not held: the gateway resends the event and is answered again.
                return false;
            }

            _held.Enqueue(reply);
            if (_held.Count > settings.HeldUpdatesPerGateway)
            {
                _held.Dequeue();
                DroppedWhileAway++;
            }

            return false;
        }
    }

    /// <summary>Writes to the current stream, if there is one.</summary>
    public void SendIfConnected(GatewayReply reply)
    {
        lock (_gate)
        {
            _session?.TryWrite(reply);
        }
    }

    /// <summary>An event accepted before a restart: its resend is a duplicate.</summary>
    public void RememberAccepted(string eventId)
    {
        lock (_gate)
        {
            if (_seen.TryAdd(eventId, Accepted))
            {
                _seenOrder.Enqueue(eventId);
                if (_seenOrder.Count > settings.RememberedEventIds)
                {
                    _seen.Remove(_seenOrder.Dequeue());
                }
            }
        }
    }

    /// <summary>
    /// Carries out the event once per event id: a repeat gets the first answer again (an acceptance
    /// marked duplicate), without being carried out a second time. An answer that says "try again"
    /// (<see cref="IsTransient"/>) is not remembered, so the resend is carried out.
    /// </summary>
    public Task<GatewayReply> Once(string eventId, Func<Task<GatewayReply>> carryOut)
    {
        Task<GatewayReply> task;
        lock (_gate)
        {
            if (_seen.TryGetValue(eventId, out var first))
            {
                return first switch
                {
                    Task<GatewayReply> running => AsRepeat(running),
                    GatewayReply rejected => Task.FromResult(rejected),
                    _ => Task.FromResult(AcceptedAgain(eventId)),
                };
            }

            task = carryOut();
            _seen[eventId] = task;
            _seenOrder.Enqueue(eventId);
            if (_seenOrder.Count > settings.RememberedEventIds)
            {
                _seen.Remove(_seenOrder.Dequeue());
            }
        }

        return Settle(eventId, task);
    }

    /// <summary>Keeps what a repeat needs of a done event; an answer that says "try again" is forgotten, so the resend is carried out.</summary>
    private async Task<GatewayReply> Settle(string eventId, Task<GatewayReply> task)
    {
        var reply = await task;
        lock (_gate)
        {
            // Only while it is still remembered: one pushed out meanwhile stays out, so the bound holds.
            if (_seen.TryGetValue(eventId, out var current) && ReferenceEquals(current, task))
            {
                if (IsTransient(reply))
                {
                    _seen.Remove(eventId);
                }
                else
                {
                    _seen[eventId] = reply.ReplyCase == GatewayReply.ReplyOneofCase.Accepted ? Accepted : reply;
                }
            }
        }

        return reply;
    }

    /// <summary>
    /// A refusal that says "not now" rather than "not this": the server is stopping, routing or the log
    /// did not answer (UNAVAILABLE), or it is overloaded (RESOURCE_EXHAUSTED). Its resend may well be
    /// accepted once that has passed.
    /// </summary>
    private static bool IsTransient(GatewayReply reply) => reply.Rejected is { Code: "UNAVAILABLE" or "RESOURCE_EXHAUSTED" };

    private static async Task<GatewayReply> AsRepeat(Task<GatewayReply> first)
    {
        var reply = await first;
        return reply.ReplyCase == GatewayReply.ReplyOneofCase.Accepted ? AcceptedAgain(reply.Accepted.EventId) : reply;
    }

    private static GatewayReply AcceptedAgain(string eventId) => new() { Accepted = new EventAccepted { EventId = eventId, Duplicate = true } };
}
