using Microsoft.Extensions.DependencyInjection.Extensions;
using Realtime.AspNetCore.Channels;
using Realtime.AspNetCore.Protocol;

namespace Realtime.AspNetCore.Extensibility;

/// <summary>How an app adds its own logic, in its Program.cs (docs/extending.md).</summary>
public static class HookServiceCollectionExtensions
{
    /// <summary>
    /// Runs <typeparamref name="THooks"/> for the channels of <paramref name="namespaces"/>
    /// (<c>booking</c> → <c>booking:*</c>; <c>default</c> → channels of namespaces that have no
    /// entry of their own). A singleton, made by DI, so it can take services.
    /// </summary>
    public static IServiceCollection AddRealtimeHooks<THooks>(this IServiceCollection services, params string[] namespaces)
        where THooks : RealtimeHooks
    {
        if (namespaces.Length == 0)
        {
            throw new ArgumentException("name at least one namespace the hooks serve", nameof(namespaces));
        }

        foreach (var name in namespaces)
        {
            if (name != ChannelRules.DefaultNamespace && !ChannelName.IsValidNamespace(name))
            {
                throw new ArgumentException($"'{name}' is not a namespace name (letters, digits, _ - . @)", nameof(namespaces));
            }
        }

        services.TryAddSingleton<THooks>();
        services.AddSingleton(new HookRegistration(typeof(THooks), namespaces));
        return services;
    }

    /// <summary>Asks <typeparamref name="THook"/> about every new connection; several run in the order added.</summary>
    public static IServiceCollection AddRealtimeConnectHook<THook>(this IServiceCollection services)
        where THook : class, IConnectHook
    {
        services.AddSingleton<IConnectHook, THook>();
        return services;
    }

    /// <summary>Answers the RPC <paramref name="method"/> with <typeparamref name="THandler"/> (a singleton made by DI).</summary>
    public static IServiceCollection AddRealtimeRpc<THandler>(this IServiceCollection services, string method)
        where THandler : class, IRpcHandler
    {
        services.TryAddSingleton<THandler>();
        services.AddSingleton(new RpcRegistration(ValidMethod(method), s => s.GetRequiredService<THandler>()));
        return services;
    }

    /// <summary>Answers the RPC <paramref name="method"/> with a function.</summary>
    public static IServiceCollection AddRealtimeRpc(this IServiceCollection services, string method, Func<RpcContext, CancellationToken, ValueTask<HookResult>> handle)
    {
        var handler = new DelegateRpcHandler(handle);
        services.AddSingleton(new RpcRegistration(ValidMethod(method), _ => handler));
        return services;
    }

    private static string ValidMethod(string method) =>
        ChannelName.IsValid(method) ? method : throw new ArgumentException($"an RPC method's name must match {ChannelName.Rule}", nameof(method));
}
