/// Maps a data interval linearly onto a pixel interval (either direction; y axes map upwards).
public struct LinearScale: Sendable, Equatable {
    public var domain: ClosedRange<Double>
    /// Pixel coordinate of `domain.lowerBound` and of `domain.upperBound`.
    public var from: Double
    public var to: Double

    public init(domain: ClosedRange<Double>, from: Double, to: Double) {
        self.domain = domain; self.from = from; self.to = to
    }

    /// Pixel coordinate of `v`; values outside the domain extrapolate. A zero-width domain maps to the middle.
    public func callAsFunction(_ v: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        guard span != 0 else { return (from + to) / 2 }
        return from + (v - domain.lowerBound) / span * (to - from)
    }
}
