namespace CallCenter.Routing.Tests.Edge;

/// <summary>A fresh server (and database) for every test, so no test sees another's calls or agents.</summary>
public abstract class ServerPerTest
{
    protected EdgeHost Host { get; private set; } = null!;

    [SetUp]
    public async Task StartServer() => Host = await EdgeHost.Start();

    [TearDown]
    public async Task StopServer() => await Host.DisposeAsync();
}
