using CallCenter.Routing.Configuration;
using CallCenter.Routing.Host;
using CallCenter.Routing.Host.Commands;

if (args is ["simulate", .. var options])
{
    return SimulateCommand.Run(options, Console.Out, Console.Error);
}

if (args is ["token", .. var tokenArguments])
{
    return await Started(() => Task.FromResult(TokenCommand.Run(tokenArguments, Console.Out, Console.Error)));
}

if (args is ["demo", .. var settings])
{
    return await Started(() => DemoCommand.Run(Console.Out, settings));
}

return await Started(async () =>
{
    var app = RoutingServer.Build(args);
    try
    {
        await RoutingServer.StartAsync(app);
    }
    catch (Exception error) when (error is not ServerStartException)
    {
        // Stops what did start (the embedded database among it). After a ServerStartException
        // nothing runs yet, and disposing would only add the actor system's goodbye to the one line.
        await app.DisposeAsync();
        throw;
    }

    await using (app)
    {
        await app.WaitForShutdownAsync();
    }

    return 0;
});

// A server that cannot start says why in one line on stderr and exits with 1; a stack trace
// would add nothing an operator can act on.
static async Task<int> Started(Func<Task<int>> run)
{
    try
    {
        return await run();
    }
    catch (Exception error) when (error is ServerStartException or InvalidConfigurationException)
    {
        await Console.Error.WriteLineAsync(error.Message);
        return 1;
    }
    catch (InvalidDataException error) when (error.InnerException is not null)
    {
        // A configuration file that is not valid JSON: the file, then where in it.
        await Console.Error.WriteLineAsync($"{error.Message} {error.InnerException.Message}");
        return 1;
    }
}
