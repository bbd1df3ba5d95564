using FeedbackRedis.Hosting;

return await FeedbackHost.RunAsync(args);
