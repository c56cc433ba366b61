import Synchronization

/// A value behind a mutex (`Synchronization.Mutex`), shared by reference between threads: the one lock
/// type of ByteLens. Every access goes through `withLock`, so the value is never read unguarded.
public final class Locked<Value>: @unchecked Sendable {
    // @unchecked: the only stored property is the Mutex, which serialises every access to the value.
    private let mutex: Mutex<Value>

    public init(_ value: sending Value) { mutex = Mutex(value) }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        try mutex.withLock(body)
    }
}

extension Locked where Value == Int {
    /// Returns the value and increments it, atomically.
    public func fetchAdd() -> Int { withLock { v in defer { v += 1 }; return v } }
}

/// The first failure recorded by any of several worker threads (later ones are dropped): workers call
/// `record`, the caller reads `first` after they have all finished and throws it.
public final class FirstError<Failure: Sendable>: Sendable {
    private let stored = Locked<Failure?>(nil)

    public init() {}

    public func record(_ failure: Failure) { stored.withLock { if $0 == nil { $0 = failure } } }

    public var first: Failure? { stored.withLock { $0 } }
}
