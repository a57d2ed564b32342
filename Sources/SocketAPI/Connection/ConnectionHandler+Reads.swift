import Domain
import EventCoding
import EventLog
import JSON
import NIOCore
import PersonalData

extension ConnectionHandler {
    /// `query`: the role table first (`forbidden`), then the views. Never waits on the writer.
    func query(_ request: Request, actor: Actor) throws(DomainError) {
        let body = request.body
        let view = try body.requiredString("view")
        let params = try body.optionalObject("params") ?? JSONObject()
        let minPosition = try body.optionalUInt64("minPosition")
        let timeout: Duration
        if let ms = try body.optionalUInt64("timeoutMs") {
            guard ms <= limits.queryMaxTimeout.wholeMilliseconds else {
                throw .field("timeoutMs", "timeoutMs must be at most \(limits.queryMaxTimeout.wholeMilliseconds)")
            }
            timeout = .milliseconds(ms)
        } else {
            timeout = limits.queryDefaultTimeout
        }
        guard Authorization.mayQuery(view, actor: actor) else {
            server.metrics.query(view: view, outcome: ErrorCode.forbidden.rawValue)
            throw DomainError.forbidden("\(actor.id) may not query \(view)")
        }
        guard let queries = server.queries else {
            server.metrics.query(view: view, outcome: ErrorCode.unavailable.rawValue)
            throw DomainError(.unavailable, "views are not built in this build")
        }
        let metrics = server.metrics
        if minPosition ?? 0 == 0 {
            // Answered right here, on the loop, as soon as it is read: through a task it also waited
            // behind every command reply the loop had queued meanwhile.
            let started = NIODeadline.now()
            let answer: (position: UInt64, result: JSONObject)?
            do {
                answer = try queries.queryNow(view: view, params: params, actor: actor)
            } catch {
                let e = ConnectionHandler.domainError(error)
                metrics.query(view: view, outcome: e.code.rawValue)
                throw e
            }
            if let (position, result) = answer {
                metrics.queryLatency.recordNanoseconds((NIODeadline.now() - started).nanoseconds)
                metrics.query(view: view, outcome: "ok")
                withOutput { out in
                    out.writeReplyStart(request.id)
                    out.writeStaticString(",\"position\":")
                    out.writeDecimal(position)
                    out.writeStaticString(",\"result\":")
                    out.writeJSON(result)
                    out.endReply()
                }
                return
            }
        }
        respondAsync(request) { out in
            let started = NIODeadline.now()
            do {
                let (position, result) = try await queries.query(
                    view: view, params: params, actor: actor, minPosition: minPosition, timeout: timeout)
                metrics.queryLatency.recordNanoseconds((NIODeadline.now() - started).nanoseconds)
                metrics.query(view: view, outcome: "ok")
                out.writeStaticString(",\"position\":")
                out.writeDecimal(position)
                out.writeStaticString(",\"result\":")
                out.writeJSON(result)
            } catch {
                metrics.query(view: view, outcome: ConnectionHandler.domainError(error).code.rawValue)
                throw error
            }
        }
    }

    /// `read`: one page of the whole log (`fromPosition`) or of one stream (`stream`, `fromVersion`).
    func read(_ request: Request, actor: Actor) throws(DomainError) {
        let body = request.body
        let stream = try body.optionalString("stream")
        let fromPosition = try body.optionalUInt64("fromPosition")
        let fromVersion = try body.optionalUInt64("fromVersion")
        if stream != nil && fromPosition != nil {
            throw .field("fromPosition", "give either stream (with fromVersion) or fromPosition, not both")
        }
        if stream == nil && fromVersion != nil {
            throw .field("fromVersion", "fromVersion needs a stream")
        }
        if let stream, stream.isEmpty || stream.utf8.count > 256 {
            throw .field("stream", "stream must be a stream name of 1–256 bytes")
        }
        let requested = try body.optionalUInt64("limit")
        if requested == 0 { throw .field("limit", "limit must be at least 1") }
        let limit = requested.map { Int(min($0, UInt64(limits.readMaxLimit))) } ?? limits.readDefaultLimit
        let filter = EventFilter(types: try body.optionalStringSet("types"), tags: try body.optionalStringSet("tags"))
        let backwards = try body.optionalBool("backwards") ?? false
        guard Authorization.mayReadLog(actor: actor) else {
            throw DomainError.forbidden("\(actor.id) may not read the log (admin, auditor, analyst, integration)")
        }
        let log = server.log
        let keys = server.processor.keys
        respondAsync(request, heavy: true) { out in
            let page: ReadPage
            do {
                if let stream {
                    page = try log.readStream(stream, from: fromVersion, limit: limit, backwards: backwards, filter: filter)
                } else {
                    page = try log.read(from: fromPosition, limit: limit, backwards: backwards, filter: filter)
                }
            } catch {
                throw DomainError(.internal, "the log could not be read: \(error)")
            }
            out.writeStaticString(",\"events\":[")
            for (i, event) in page.events.enumerated() {
                if i > 0 { out.writeStaticString(",") }
                try out.writeEvent(event, keys: keys)
            }
            out.writeStaticString("],\"next\":")
            if let next = page.next { out.writeDecimal(next) } else { out.writeStaticString("null") }
        }
    }

    /// `subscribe`: replies with the subscription id, then a pump pushes events from the log.
    func subscribe(_ request: Request, actor: Actor) throws(DomainError) {
        let body = request.body
        let start: UInt64
        switch body["fromPosition"] {
        case .string("end")?: start = server.log.lastPosition + 1
        case .number(let n)?:
            guard let p = n.uint64Value else {
                throw .field("fromPosition", "fromPosition must be a non-negative integer or \"end\"")
            }
            start = max(p, 1)
            // A position the log has not reached would skip, unannounced, every event before it (a
            // client resuming against a store restored from an older backup, for one).
            let last = server.log.lastPosition
            guard start <= last + 1 else {
                throw DomainError(
                    .badRequest, "the log ends at position \(last): subscribe from at most \(last + 1), or from \"end\"",
                    details: ["field": "fromPosition", "lastPosition": .number(JSONNumber(last))])
            }
        default: throw .field("fromPosition", "fromPosition is required: a position (0 = the start) or \"end\"")
        }
        let filter = EventFilter(types: try body.optionalStringSet("types"), tags: try body.optionalStringSet("tags"))
        guard Authorization.mayReadLog(actor: actor) else {
            throw DomainError.forbidden("\(actor.id) may not subscribe to the log (admin, auditor, analyst, integration)")
        }
        guard subscriptions.count < limits.maxSubscriptionsPerConnection else {
            throw DomainError(
                .overloaded, "at most \(limits.maxSubscriptionsPerConnection) subscriptions per connection")
        }
        guard let context, let session else { return }
        nextSubscription += 1
        let id = "s\(nextSubscription)"
        withOutput { out in
            out.writeReplyStart(request.id)
            out.writeStaticString(",\"subscription\":")
            out.writeJSONString(id)
            out.endReply()
        }
        writeOutput(flush: true)  // the reply goes before any push
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let pump = SubscriptionPump(
            id: id, log: server.log, keys: server.processor.keys, channel: context.channel, start: start, filter: filter,
            pageSize: limits.subscriptionPageSize, maxLag: limits.subscriptionMaxLag, metrics: server.metrics,
            session: session, tokens: server.tokens, processor: server.processor)
        subscriptions[id] = pump.start { [loop = context.eventLoop] reason in
            loop.execute { bound.value.subscriptionEnded(id, reason: reason) }
        }
        server.metrics.subscriptions.increment()
    }

    /// A pump ended. One that found its token or employee gone ends the session it belonged to —
    /// the current one, as long as it was still registered (ending a session removes its pumps).
    func subscriptionEnded(_ id: String, reason: String?) {
        guard subscriptions.removeValue(forKey: id) != nil else { return }
        if reason == ErrorCode.unauthenticated.rawValue { endSession() }
        finishDrainIfDone()
    }

    /// `unsubscribe`: stops the pump and replies once it has written its last push. Like every op
    /// but `hello` and `ping` it needs a session; a session's subscriptions end with it, so after a
    /// failed `hello` there is nothing left to stop.
    func unsubscribe(_ request: Request) throws(DomainError) {
        let id: String
        switch request.body["subscription"] {
        case .string(let s)?: id = s
        case .number(let n)?: id = n.text
        default: throw .field("subscription", "subscription is required (the id subscribe returned)")
        }
        guard let handle = subscriptions.removeValue(forKey: id) else {
            throw DomainError(.notFound, "no subscription \(id) on this connection",
                              details: ["kind": "subscription", "id": .string(id)])
        }
        handle.stop(reason: nil)
        respondAsync(request) { _ in await handle.finished() }
    }
}

extension ByteBuffer {
    /// One event as its §1 JSON object, personal fields revealed by `keys` (`"[erased]"` once forgotten).
    mutating func writeEvent(_ event: RecordedEvent, keys: SubjectKeyStore) throws {
        let object: JSONObject
        do {
            object = try EventJSON.object(event, keys: keys)
        } catch {
            throw DomainError(.internal, "event \(event.position) could not be decoded: \(error)")
        }
        writeJSON(object)
    }
}
