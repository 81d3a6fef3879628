using CallCenter.Routing.Host.Commands;

namespace CallCenter.Routing.Tests.Host;

public sealed class DemoCommandTests
{
    [Test]
    public async Task The_demo_routes_every_call_and_the_VIP_first()
    {
        var database = await PostgresSetUp.NewDatabaseAsync("demo");
        var output = new StringWriter();

        var exit = await DemoCommand.Run(output, $"--Routing:Database:ConnectionString={PostgresSetUp.Server.ConnectionString(database)}");

        Assert.That(exit, Is.EqualTo(0), output.ToString());
        Assert.That(output.ToString(), Does.Contain("demo: calls served in this order: call-4, "));
    }
}
