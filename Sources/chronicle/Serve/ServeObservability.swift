import Foundation
import JSON
import Logging
import Metrics
import Prometheus
import SocketAPI

enum ServeLogging {
    /// Structured logs on standard error (`chronicle.*` metadata keys).
    static func bootstrap(level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "chronicle.serve")
    }
}

enum ServeMetrics {
    /// swift-metrics into a Prometheus registry, with latency buckets fit for sub-millisecond replies.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.defaultValueHistogramBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// `/metrics` and `/health`.
    static func route(registry: PrometheusCollectorRegistry, server: SocketServer)
        -> @Sendable (String) -> MetricsHTTPServer.Response?
    {
        { path in
            switch path {
            case "/metrics":
                return .init(contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
            case "/health":
                var body = JSONValue.object(server.health()).jsonBytes
                body.append(0x0A)
                return .init(contentType: "application/json", body: body)
            default:
                return nil
            }
        }
    }
}
