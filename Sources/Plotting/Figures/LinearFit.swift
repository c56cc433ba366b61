/// An ordinary-least-squares line y = intercept + slope·x with Pearson's r, for scatter annotations.
public struct LinearFit: Sendable, Equatable {
    public var slope: Double
    public var intercept: Double
    /// Pearson correlation coefficient.
    public var r: Double
    /// Number of finite (x, y) pairs used.
    public var n: Int

    public init(slope: Double, intercept: Double, r: Double, n: Int) {
        self.slope = slope; self.intercept = intercept; self.r = r; self.n = n
    }

    /// OLS fit over pairs where both coordinates are finite (two-pass, centred sums for accuracy).
    /// Returns nil with fewer than 2 pairs or when x is constant; r is NaN when y is constant.
    public static func ordinaryLeastSquares(x: [Double], y: [Double]) -> LinearFit? {
        var xs = [Double](), ys = [Double]()
        for (a, b) in zip(x, y) where a.isFinite && b.isFinite { xs.append(a); ys.append(b) }
        let n = xs.count
        guard n >= 2 else { return nil }
        let mx = xs.reduce(0, +) / Double(n), my = ys.reduce(0, +) / Double(n)
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for i in 0..<n {
            let dx = xs[i] - mx, dy = ys[i] - my
            sxx += dx * dx; syy += dy * dy; sxy += dx * dy
        }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        let r = syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
        return LinearFit(slope: slope, intercept: my - slope * mx, r: r, n: n)
    }
}
