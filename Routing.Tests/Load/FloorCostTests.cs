using CallCenter.Routing.Benchmarks.Load;

namespace CallCenter.Routing.Tests.Load;

public sealed class FloorCostTests
{
    private static readonly LatencySummary NoLatency = new(0, 0, 0, 0, 0);

    [TestCase(10.0, 10.0, 20.0, 5.0, 250.0)]
    [TestCase(13.1, 10.2, 24.0, 6.5, 380.7)]
    [TestCase(0.0, 10.0, 24.0, 6.5, 65.0)]
    [TestCase(6.0, 0.0, 24.0, 6.5, 144.0)]
    public void A_call_costs_its_messages_and_rows_at_the_floors_prices(
        double messagesPerCall, double rowsPerCall, double microsecondsPerMessage, double microsecondsPerRow, double expected)
    {
        var echo = new EchoFigures(50_000, microsecondsPerMessage, NoLatency);
        var copy = new CopyFigures(200_000, microsecondsPerRow, NoLatency);

        Assert.That(FloorCost.MicrosecondsPerCall(messagesPerCall, rowsPerCall, echo, copy), Is.EqualTo(expected).Within(1e-9));
    }

    [TestCase(250.0, 2, 8_000.0)]
    [TestCase(200.0, 2, 10_000.0)]
    [TestCase(400.0, 4, 10_000.0)]
    [TestCase(1_000_000.0, 1, 1.0)]
    public void The_cores_divided_by_what_a_call_costs_bound_the_calls_a_second(double microsecondsPerCall, int cores, double expected) =>
        Assert.That(FloorCost.CallsPerSecond(microsecondsPerCall, cores), Is.EqualTo(expected).Within(1e-9));

    [Test]
    public void A_call_that_costs_nothing_is_not_bounded() =>
        Assert.That(FloorCost.CallsPerSecond(0, 2), Is.EqualTo(double.PositiveInfinity));
}
