# syntax=docker/dockerfile:1
# One image for every role (FEEDBACK_ROLE=consumer|flusher|all) and for the operator CLI (/app/feedbackctl).
#   docker build -t feedback-redis:local .

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# Both apps publish into one folder: they share the FeedbackRedis library and every package version
# (central package management), so the shared assemblies are identical. Nothing else: the dev tool feedback-dev
# (tools/, outside the build context) never ships; tests/FeedbackRedis.Tests/EndToEnd/ShippedImageTests.cs runs these
# publish commands and fails if a load generator or mock broker is in their output.
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/FeedbackRedis.Service/FeedbackRedis.Service.csproj -c Release -o /app \
 && dotnet publish src/FeedbackRedis.Cli/FeedbackRedis.Cli.csproj -c Release -o /app \
 && rm -rf /app/runtimes/win-* /app/runtimes/osx-* \
 && test -x /app/feedback-redis && test -x /app/feedbackctl

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# A fixed numeric non-root user, so Kubernetes' runAsNonRoot can verify it (the chart sets runAsUser 10001 too).
RUN groupadd --system --gid 10001 feedback \
 && useradd --system --uid 10001 --gid feedback --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin feedback
WORKDIR /app
# Owned by root and not writable by the service user; the service writes only to /tmp (and /data for the file sink).
COPY --from=build /app ./
ENV FEEDBACK_HTTP_PORT=8080 \
    DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["/app/feedback-redis"]
