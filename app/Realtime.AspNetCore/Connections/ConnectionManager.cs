using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Realtime.AspNetCore.Diagnostics;

namespace Realtime.AspNetCore.Connections;

/// <summary>The node's open connections: admission against the limit, and the list heartbeat and drain walk.</summary>
public sealed class ConnectionManager(IOptions<RealtimeOptions> options, RealtimeMetrics metrics, TimeProvider time, ILogger<ConnectionManager> logger)
{
    /// <summary>A full node says so at most this often: under a flood every upgrade finds it full.</summary>
    private static readonly TimeSpan FullLogSpacing = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, RealtimeConnection> _connections = new(StringComparer.Ordinal);
    private readonly int _max = options.Value.MaxConnections;
    private readonly int _maxPendingAuth = options.Value.Auth.MaxPendingFrames;
    private int _reserved;
    private int _pendingAuth;
    private long _lastFullLog = long.MinValue;

    public int Count => _connections.Count;

    public IEnumerable<RealtimeConnection> All => _connections.Values;

    /// <summary>
    /// Bytes queued to send, over every connection. A frame queued to several connections counts once
    /// for each, though its memory is held once.
    /// </summary>
    public long QueuedBytes()
    {
        long queued = 0;
        foreach (var connection in _connections.Values)
        {
            queued += connection.QueuedBytes;
        }

        return queued;
    }

    /// <summary>Whether a slot is free: a cheap look before an upgrade costs anything. A full node says so in the log.</summary>
    public bool HasRoom()
    {
        if (Volatile.Read(ref _reserved) < _max)
        {
            return true;
        }

        NoteFull();
        return false;
    }

    /// <summary>Claims a slot before the upgrade is accepted; false when the node is full.</summary>
    public bool TryReserve()
    {
        if (Interlocked.Increment(ref _reserved) <= _max)
        {
            return true;
        }

        Interlocked.Decrement(ref _reserved);
        NoteFull();
        return false;
    }

    /// <summary>Logs that the node is full, at most every <see cref="FullLogSpacing"/>.</summary>
    private void NoteFull()
    {
        var last = Interlocked.Read(ref _lastFullLog);
        var now = time.GetTimestamp();
        if ((last == long.MinValue || time.GetElapsedTime(last, now) >= FullLogSpacing)
            && Interlocked.CompareExchange(ref _lastFullLog, now, last) == last)
        {
            ConnectionLog.LimitReached(logger, _max);
        }
    }

    /// <summary>
    /// Counts a connection that holds a slot but has not authenticated yet (<c>?auth=frame</c>): a
    /// bounded few, so silent sockets cannot take every slot from real users. False when full.
    /// </summary>
    public bool TryBeginPendingAuth()
    {
        if (Interlocked.Increment(ref _pendingAuth) <= _maxPendingAuth)
        {
            return true;
        }

        Interlocked.Decrement(ref _pendingAuth);
        return false;
    }

    public void EndPendingAuth() => Interlocked.Decrement(ref _pendingAuth);

    /// <summary>Gives back a slot claimed by <see cref="TryReserve"/> whose upgrade did not happen.</summary>
    public void Release() => Interlocked.Decrement(ref _reserved);

    public void Add(RealtimeConnection connection)
    {
        _connections[connection.Id] = connection;
        metrics.ConnectionOpened();
    }

    public void Remove(RealtimeConnection connection)
    {
        if (_connections.TryRemove(connection.Id, out _))
        {
            metrics.ConnectionClosed();
            Release();
        }
    }
}
