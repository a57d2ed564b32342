import LMDB

extension EventLog {
    /// Positions (ascending) of the events carrying a stream, type or tag key in `[from, through]`, at most
    /// `limit` of them counted from the low end (or from the high end when `fromEnd`).
    ///
    /// Runs up to the snapshot's flushed run come from `keyRuns`; later runs from the in-memory
    /// index, or — for what it does not cover (another process's appends, a run flushed after the
    /// snapshot was taken) — from scanning the events themselves.
    func positions(_ kind: KeyKind, _ name: String, from: UInt64, through: UInt64, _ snapshot: Snapshot,
                   _ txn: borrowing Transaction, limit: Int = .max, fromEnd: Bool = false) throws -> [UInt64] {
        let through = min(through, snapshot.end)
        guard from >= 1, from <= through else { return [] }
        let id = registry.id(kind, name)
        let firstRun = registry.runs.of(from)
        let lastRun = registry.runs.of(through)
        var result: [UInt64] = []
        var runs = Array(firstRun...lastRun)
        if fromEnd { runs.reverse() }
        for run in runs {
            let lo = max(from, registry.runs.firstPosition(run))
            let hi = min(through, registry.runs.lastPosition(run))
            var inRun: [UInt64] = []
            if Int64(run) <= snapshot.flushedRun {
                if let id {
                    inRun = try persistedPositions(run: run, keyId: id, lo: lo, hi: hi, txn)
                } else if hi > loadedThrough {
                    // A key this process has not loaded: it was created after `loadedThrough`.
                    inRun = try scanForKey(kind, name, lo: max(lo, loadedThrough + 1), hi: hi, txn)
                }
            } else {
                let covered = min(hi, loadedThrough)
                var scanFrom = lo
                if let id, covered >= lo, let mem = registry.memtablePositions(run: run, keyId: id, from: lo, through: covered) {
                    inRun = mem
                    scanFrom = covered + 1
                } else if id == nil, covered >= lo, registry.hasMemtable(run: run) {
                    scanFrom = covered + 1
                }
                if scanFrom <= hi {
                    inRun += try scanForKey(kind, name, lo: scanFrom, hi: hi, txn)
                }
            }
            if fromEnd {
                result = inRun + result
                if result.count >= limit { return Array(result.suffix(limit)) }
            } else {
                result += inRun
                if result.count >= limit { return Array(result.prefix(limit)) }
            }
        }
        return result
    }

    private func persistedPositions(run: UInt32, keyId: UInt32, lo: UInt64, hi: UInt64,
                                    _ txn: borrowing Transaction) throws -> [UInt64] {
        guard let keyRuns = dbs.keyRuns else { return [] }
        var key: [UInt8] = []
        Bytes.appendBigEndian(run, to: &key)
        Bytes.appendBigEndian(keyId, to: &key)
        return try txn.withValue(keyRuns, key: key) { value in
            guard let value else { return [] }
            var out: [UInt64] = []
            do {
                try KeyRun.decode(
                    value, runStart: registry.runs.firstPosition(run), runEnd: registry.runs.lastPosition(run),
                    lo: lo, hi: hi, into: &out)
            } catch {
                throw EventLogError.corrupt(position: max(lo, registry.runs.firstPosition(run)),
                                            "keyRuns entry of run \(run), key \(keyId): \(error)")
            }
            return out
        }
    }

    private func scanForKey(_ kind: KeyKind, _ name: String, lo: UInt64, hi: UInt64,
                            _ txn: borrowing Transaction) throws -> [UInt64] {
        try txn.withCursor(dbs.events) { c in
            var out: [UInt64] = []
            var entry = try c.seek(atLeast: Bytes.key(lo))
            while let e = entry {
                let p = Bytes.readBigEndianUInt64(e.key)
                if p > hi { break }
                var hit = false
                do {
                    try EventRecord.decodeKeys(e.value, names: names) { stream, type, tags in
                        switch kind {
                        case .stream: hit = stream == name
                        case .type: hit = type == name
                        case .tag: hit = tags.contains(name)
                        }
                    }
                } catch {
                    throw EventLogError.corrupt(position: p, String(describing: error))
                }
                if hit { out.append(p) }
                entry = try c.next()
            }
            return out
        }
    }

    /// Up to `window` candidate positions for `filter`, starting at `from` in the read's direction:
    /// the union of the tag lists (when tags are given) or of the type lists.
    func candidatePositions(_ filter: EventFilter, from: UInt64, window: Int, backwards: Bool, _ snapshot: Snapshot,
                            _ txn: borrowing Transaction) throws -> [UInt64] {
        let lo = backwards ? 1 : from
        let hi = backwards ? min(from, snapshot.end) : snapshot.end
        var merged = Set<UInt64>()
        if let tags = filter.tags {
            for tag in tags {
                merged.formUnion(try positions(.tag, tag, from: lo, through: hi, snapshot, txn, limit: window, fromEnd: backwards))
            }
        } else if let types = filter.types {
            for type in types {
                merged.formUnion(try positions(.type, type, from: lo, through: hi, snapshot, txn, limit: window, fromEnd: backwards))
            }
        }
        let sorted = merged.sorted()
        return backwards ? Array(sorted.suffix(window).reversed()) : Array(sorted.prefix(window))
    }
}
