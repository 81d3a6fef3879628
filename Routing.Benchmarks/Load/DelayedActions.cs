using System.Diagnostics;

namespace CallCenter.Routing.Benchmarks.Load;

/// <summary>
/// Callers hanging up after their talk time or their patience: tens of thousands of small
/// delays a second, run by one loop instead of a timer each.
/// </summary>
internal sealed class DelayedActions : IAsyncDisposable
{
    private readonly PriorityQueue<Action, long> _due = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public DelayedActions() => _loop = Task.Run(RunAsync);

    public void After(double milliseconds, Action action)
    {
        var due = Stopwatch.GetTimestamp() + (long)(milliseconds * Stopwatch.Frequency / 1000);
        lock (_due)
        {
            _due.Enqueue(action, due);
        }
    }

    private async Task RunAsync()
    {
        var ready = new List<Action>();
        while (!_stop.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            lock (_due)
            {
                while (_due.TryPeek(out _, out var due) && due <= now)
                {
                    ready.Add(_due.Dequeue());
                }
            }

            foreach (var action in ready)
            {
                action();
            }

            ready.Clear();
            try
            {
                await Task.Delay(1, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
