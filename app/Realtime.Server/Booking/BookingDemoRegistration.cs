using Realtime.AspNetCore.Extensibility;

namespace Realtime.Server.Booking;

/// <summary>The demo restaurant's own logic, added the way any app adds its hooks.</summary>
public static class BookingDemoRegistration
{
    public static IServiceCollection AddBookingDemo(this IServiceCollection services)
    {
        services.AddSingleton<TonightLayout>();
        services.AddRealtimeHooks<BookingHooks>("booking");
        services.AddRealtimeHooks<ChatHooks>("chat");
        services.AddRealtimeRpc<TablesRpc>(TablesRpc.Method);
        return services;
    }
}
