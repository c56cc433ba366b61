import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by the SIGINT/SIGTERM handler; read between items.
private let interruptRequested = Atomic<Bool>(false)

/// A cooperative interrupt for long runs: the first SIGINT (Ctrl-C) or SIGTERM only sets a flag that
/// the run loop checks between items, so the writer can checkpoint and close the partial file
/// cleanly (`ProbeRunWriter.abandon()`); a second signal restores the default action and
/// terminates immediately.
///
/// The handler does nothing but an atomic exchange and, on the second signal, `signal` + `raise`,
/// all async-signal-safe.
public enum InterruptSignal {
    /// Installs the handler for SIGINT and SIGTERM (idempotent).
    public static func install() {
        _ = signal(SIGINT, handleSignal)
        _ = signal(SIGTERM, handleSignal)
    }

    /// Whether an interrupt was requested since the last `reset()`.
    public static var isRequested: Bool { interruptRequested.load(ordering: .acquiring) }

    /// Marks an interrupt as requested (for tests or programmatic cancellation).
    public static func request() { interruptRequested.store(true, ordering: .releasing) }

    /// Clears the flag.
    public static func reset() { interruptRequested.store(false, ordering: .releasing) }
}

private func handleSignal(_ signalNumber: Int32) {
    let (firstRequest, _) = interruptRequested.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing)
    if !firstRequest {
        _ = signal(signalNumber, SIG_DFL)
        _ = raise(signalNumber)
    }
}
