using StackExchange.Redis;

namespace FeedbackRedis.Batching;

/// <summary>
/// One script call as Redis receives it: the keys it declares (<see cref="KeySchema.ShardKeys"/>, then its own) and its
/// arguments. Each script's builder and reply parser live beside it (Batching/Scripts/*Script.cs), so the positions of
/// its KEYS and ARGV are written down once in C#, as the script's header writes them once in Lua.
/// </summary>
internal readonly record struct ScriptCall(RedisScript Script, RedisKey[] Keys, RedisValue[] Args);
