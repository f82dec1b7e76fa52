using Sleeper.Jobs;

// Usage:
//   drain <queueDir> <handledFile> <startSignalFile>
//       receives and deletes messages until none is visible, then writes the ids it handled to <handledFile>,
//       one a line; a delete that reports a stale receipt is written as "stale <id>".
//   hold <queueDir> <visibilitySeconds>
//       receives one message, prints its id and waits, never deleting it, until it is killed.
if (args.Length != 4 && args.Length != 3)
{
    Console.Error.WriteLine("usage: drain <dir> <handledFile> <signal> | hold <dir> <visibilitySeconds>");
    return 2;
}
var queue = new FileJobQueue(args[1]);
switch (args[0])
{
    case "drain":
        while (!File.Exists(args[3]))
        {
            await Task.Delay(5);
        }
        var handled = new List<string>();
        while (await queue.ReceiveAsync(TimeSpan.FromMinutes(5)) is { } message)
        {
            handled.Add(await queue.DeleteAsync(message) ? message.MessageId : $"stale {message.MessageId}");
        }
        await File.WriteAllLinesAsync(args[2], handled);
        Console.WriteLine($"handled {handled.Count}");
        return 0;
    case "hold":
        var held = await queue.ReceiveAsync(TimeSpan.FromSeconds(double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture)));
        Console.WriteLine(held?.MessageId ?? "none");
        await Task.Delay(Timeout.Infinite);
        return 0;
    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}
