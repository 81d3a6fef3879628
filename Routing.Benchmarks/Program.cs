using CallCenter.Routing.Benchmarks;

return args switch
{
    ["core", .. var options] => CoreBenchmark.Run(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Routing.Benchmarks core [--agents N] [--queues N] [--skills N] [--waiting N] [--decisions N] [--seed N] [--scaling]");
    return 2;
}
