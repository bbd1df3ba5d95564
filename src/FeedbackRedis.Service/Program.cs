using FeedbackRedis.Hosting;

var builder = WebApplication.CreateSlimBuilder(args);
builder.AddFeedbackRedis(args);
var app = builder.Build();
app.MapFeedbackEndpoints();
await app.RunAsync();
