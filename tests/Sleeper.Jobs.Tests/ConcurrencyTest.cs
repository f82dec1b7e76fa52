using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Sleeper.Jobs.Tests;

public sealed class ConcurrencyTest : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string QueueDir => _dir.Combine("queues", "jobs");

    private async Task<List<string>> SendAsync(int count)
    {
        var queue = new FileJobQueue(QueueDir);
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await queue.SendAsync($"job {i}"));
        }
        return ids;
    }

    [Fact]
    public async Task Queue_objects_on_several_threads_handle_each_of_200_messages_exactly_once()
    {
        var sent = await SendAsync(200);
        const int receivers = 4;
        var handled = new ConcurrentBag<string>();
        var staleDeletes = 0;
        var start = new Barrier(receivers);

        await Task.WhenAll(Enumerable.Range(0, receivers).Select(_ => Task.Run(async () =>
        {
            var queue = new FileJobQueue(QueueDir);
            start.SignalAndWait();
            while (await queue.ReceiveAsync(TimeSpan.FromMinutes(5)) is { } message)
            {
                handled.Add(message.MessageId);
                if (!await queue.DeleteAsync(message))
                {
                    Interlocked.Increment(ref staleDeletes);
                }
            }
        })));

        Assert.Equal(sent.Order(), handled.Order());
        Assert.Equal(0, staleDeletes);
        var depth = await new FileJobQueue(QueueDir).GetDepthAsync();
        Assert.Equal(new Core.Jobs.QueueDepth(0, 0, 0), depth);
        Assert.Empty(Directory.EnumerateFiles(QueueDir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Separate_processes_drain_300_messages_handling_each_exactly_once()
    {
        var sent = await SendAsync(300);
        var signal = _dir.Combine("go");
        var outputs = Enumerable.Range(0, 3).Select(p => _dir.Combine($"handled-{p}.txt")).ToList();

        var running = outputs.Select(output => StartWorker("drain", QueueDir, output, signal)).ToList();
        await File.WriteAllTextAsync(signal, "");
        var results = await Task.WhenAll(running.Select(WaitForAsync));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Output));
        var handled = outputs.SelectMany(File.ReadAllLines).ToList();
        Assert.DoesNotContain(handled, line => line.StartsWith("stale", StringComparison.Ordinal));
        Assert.Equal(sent.Order(), handled.Order());
        Assert.Equal(new Core.Jobs.QueueDepth(0, 0, 0), await new FileJobQueue(QueueDir).GetDepthAsync());
    }

    [Fact]
    public async Task A_message_held_by_a_worker_that_dies_comes_back_after_its_visibility_timeout()
    {
        var id = Assert.Single(await SendAsync(1));
        var visibility = TimeSpan.FromSeconds(8);

        // The worker claims the message after it starts, so time since its start bounds time since the claim.
        var sinceStart = Stopwatch.StartNew();
        var worker = StartWorker("hold", QueueDir, visibility.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            Assert.Equal(id, await worker.Process.StandardOutput.ReadLineAsync(timeout.Token));
        }
        worker.Process.Kill(entireProcessTree: true);
        await worker.Process.WaitForExitAsync();

        var queue = new FileJobQueue(QueueDir);
        var checkedAt = sinceStart.Elapsed;
        var message = await queue.ReceiveAsync(visibility);
        // Only meaningful while the dead worker's claim must still be live; a slow machine may have let it lapse.
        if (checkedAt < visibility - TimeSpan.FromMilliseconds(500))
        {
            Assert.Null(message);
        }
        while (message is null)
        {
            Assert.True(sinceStart.Elapsed < TimeSpan.FromSeconds(60), "The dead worker's message never came back.");
            await Task.Delay(100);
            message = await queue.ReceiveAsync(visibility);
        }

        Assert.Equal((id, 2), (message.MessageId, message.ReceiveCount));
        Assert.True(await queue.DeleteAsync(message));
    }

    private sealed record Running(Process Process, Task<string> Stdout, Task<string> Stderr);

    private static Running StartWorker(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Sleeper.Jobs.Tests.Worker.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info)!;
        // A holding worker's stdout is read line by line by its test instead.
        var stdout = args[0] == "hold" ? Task.FromResult("") : process.StandardOutput.ReadToEndAsync();
        return new Running(process, stdout, process.StandardError.ReadToEndAsync());
    }

    private static async Task<(int ExitCode, string Output)> WaitForAsync(Running r)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await r.Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            r.Process.Kill(entireProcessTree: true);
            throw;
        }
        return (r.Process.ExitCode, await r.Stdout + await r.Stderr);
    }
}
