using FeedbackRedis.Hosting;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddFeedbackRedis(args);
using var host = builder.Build();
await host.RunAsync();
