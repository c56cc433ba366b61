/// An ordinary-least-squares line y = intercept + slope·x with Pearson's r, for scatter annotations. Plotting only
/// draws it; the fit itself comes from the Statistics module (one OLS implementation in ByteLens).
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
}
