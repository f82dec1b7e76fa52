using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Sleeper.Scheduler.Tests;

internal static class HostServices
{
    public static T Get<T>(IHost host) where T : notnull => host.Services.GetRequiredService<T>();
}
