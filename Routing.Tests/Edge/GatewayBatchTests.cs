using CallCenter.Protos.V1;

namespace CallCenter.Routing.Tests.Edge;

/// <summary>
/// Events sent as one batch are carried out and answered as if each had come alone, in order; a
/// gateway that asks for it gets its replies in batches too, each reply once and in order.
/// </summary>
public sealed class GatewayBatchTests : ServerPerTest
{
    [Test]
    public async Task Each_event_of_a_batch_is_answered_and_carried_out_in_order()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var batch = new EventBatch();
        batch.Events.Add(Arrival("b1", "call-1"));
        batch.Events.Add(Arrival("b2", "call-2"));
        // Its own call's arrival is earlier in the batch, so the hang-up finds the call.
        batch.Events.Add(new GatewayEvent { EventId = "b3", CallHungUp = new CallHungUp { CallId = "call-1" } });

        await gateway.Send(new GatewayEvent { Batch = batch });

        foreach (var id in new[] { "b1", "b2", "b3" })
        {
            var answer = await gateway.AnswerTo(id);
            Assert.That(answer.Accepted, Is.Not.Null, answer.ToString());
        }

        var ended = await gateway.Update("call-1", CallUpdate.UpdateOneofCase.Ended);
        Assert.That(ended.CallUpdate.Ended.Outcome, Is.EqualTo(CallOutcome.AbandonedWhileWaiting));
        var waiting = await Host.State.GetCallAsync(new GetCallRequest { CallId = "call-2" });
        Assert.That(waiting.Call.Status, Is.EqualTo(CallStatus.Queued));
    }

    [Test]
    public async Task A_batch_resent_after_a_reconnect_changes_nothing()
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var batch = new EventBatch();
        batch.Events.Add(Arrival("r1", "call-1"));
        batch.Events.Add(Arrival("r2", "call-2"));
        await gateway.Send(new GatewayEvent { Batch = batch });
        await gateway.AnswerTo("r1");
        await gateway.AnswerTo("r2");

        await gateway.Send(new GatewayEvent { Batch = batch });

        Assert.That((await gateway.AnswerTo("r1")).Accepted.Duplicate, Is.True);
        Assert.That((await gateway.AnswerTo("r2")).Accepted.Duplicate, Is.True);
        var queue = await Host.State.GetQueueAsync(new GetQueueRequest { QueueId = "billing" });
        Assert.That((queue.Waiting, queue.Offered), Is.EqualTo((2, 2L)), "two calls, each arrived once");
    }

    [TestCase("hello", "FAILED_PRECONDITION", "hello")]
    [TestCase("batch", "INVALID_ARGUMENT", "batch")]
    [TestCase("no id", "INVALID_ARGUMENT", "event_id")]
    public async Task A_bad_event_in_a_batch_is_rejected_alone(string bad, string code, string field)
    {
        await using var gateway = await Host.ConnectGateway("gw-1");
        var batch = new EventBatch();
        batch.Events.Add(Arrival("before", "call-1"));
        batch.Events.Add(bad switch
        {
            "hello" => new GatewayEvent { EventId = "bad", Hello = new Hello { GatewayId = "gw-1" } },
            "batch" => new GatewayEvent { EventId = "bad", Batch = new EventBatch() },
            _ => new GatewayEvent { CallArrived = new CallArrived { CallId = "call-x", QueueId = "billing" } },
        });
        batch.Events.Add(Arrival("after", "call-2"));

        await gateway.Send(new GatewayEvent { Batch = batch });

        var rejected = await gateway.Expect(r => r.Rejected is not null, "the rejection");
        Assert.That((rejected.Rejected.Code, rejected.Rejected.Field), Is.EqualTo((code, field)), rejected.ToString());
        Assert.That((await gateway.AnswerTo("before")).Accepted, Is.Not.Null);
        Assert.That((await gateway.AnswerTo("after")).Accepted, Is.Not.Null);
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task Replies_come_once_each_and_in_each_call_s_order_whether_batched_or_not(bool batchReplies)
    {
        await using var gateway = await Host.ConnectGateway("gw-1", batchReplies);
        const int calls = 40;
        var arrivals = new EventBatch();
        var hangUps = new EventBatch();
        for (var i = 0; i < calls; i++)
        {
            arrivals.Events.Add(Arrival($"a{i}", $"call-{i}"));
            hangUps.Events.Add(new GatewayEvent { EventId = $"h{i}", CallHungUp = new CallHungUp { CallId = $"call-{i}" } });
        }

        await gateway.Send(new GatewayEvent { Batch = arrivals });
        for (var i = 0; i < calls; i++)
        {
            Assert.That((await gateway.AnswerTo($"a{i}")).Accepted, Is.Not.Null);
        }

        await gateway.Send(new GatewayEvent { Batch = hangUps });
        var endedAt = new Dictionary<string, long>();
        for (var i = 0; i < calls; i++)
        {
            Assert.That((await gateway.AnswerTo($"h{i}")).Accepted, Is.Not.Null);
            endedAt[$"call-{i}"] = (await gateway.Update($"call-{i}", CallUpdate.UpdateOneofCase.Ended)).CallUpdate.Sequence;
        }

        Assert.Multiple(() =>
        {
            Assert.That(gateway.Unread.Where(r => r.Accepted is not null || r.Rejected is not null), Is.Empty, "no event answered twice");
            Assert.That(gateway.Unread.Where(r => r.CallUpdate?.UpdateCase == CallUpdate.UpdateOneofCase.Ended), Is.Empty, "no call ended twice");
            foreach (var updates in gateway.Unread.Where(r => r.CallUpdate is not null).GroupBy(r => r.CallUpdate.CallId))
            {
                // What is left of a call's updates came before its end, in the order they were read.
                var sequences = updates.Select(r => r.CallUpdate.Sequence).ToList();
                Assert.That(sequences, Is.Ordered.Ascending.And.Unique, $"updates of {updates.Key}");
                Assert.That(sequences, Is.All.LessThan(endedAt[updates.Key]), $"updates of {updates.Key} after its end");
            }

            // Forty answers made durable by one commit are waiting together for the writer.
            Assert.That(gateway.BatchesReceived, batchReplies ? Is.GreaterThan(0) : Is.Zero, batchReplies ? "replies waiting together are batched" : "a gateway that did not ask gets no batch");
        });
    }

    private static GatewayEvent Arrival(string eventId, string callId) => new()
    {
        EventId = eventId,
        CallArrived = new CallArrived { CallId = callId, QueueId = "billing", CallerNumber = "+15550100" },
    };
}
