import Testing
@testable import Plotting

/// Reference values are matplotlib's published LUT entries (`_cm_listed.py` for viridis/magma; coolwarm
/// sampled from its segment data), as printed by matplotlib 3.11.2.
@Suite struct ColormapTests {
    func expectEntry(_ map: Colormap, _ i: Int, _ r: Float, _ g: Float, _ b: Float) {
        let e = map.entry(i)
        #expect(abs(e.r - r) < 1e-6 && abs(e.g - g) < 1e-6 && abs(e.b - b) < 1e-6, "\(map.name)[\(i)] = \(e)")
    }

    @Test func viridisMatchesMatplotlib() {
        expectEntry(.viridis, 0, 0.267004, 0.004874, 0.329415)
        expectEntry(.viridis, 128, 0.127568, 0.566949, 0.550556)
        expectEntry(.viridis, 255, 0.993248, 0.906157, 0.143936)
    }

    @Test func magmaMatchesMatplotlib() {
        expectEntry(.magma, 0, 0.001462, 0.000466, 0.013866)
        expectEntry(.magma, 128, 0.716387, 0.214982, 0.475290)
        expectEntry(.magma, 255, 0.987053, 0.991438, 0.749504)
    }

    @Test func coolwarmMatchesMatplotlib() {
        expectEntry(.coolwarm, 0, 0.229806, 0.298718, 0.753683)
        expectEntry(.coolwarm, 128, 0.867428, 0.864377, 0.862602)
        expectEntry(.coolwarm, 255, 0.705673, 0.015556, 0.150233)
    }

    @Test func colourLookupClampsAndHandlesNaN() {
        #expect(Colormap.viridis.color(0) == RGBA(68, 1, 84))
        #expect(Colormap.viridis.color(1) == RGBA(253, 231, 37))
        #expect(Colormap.viridis.color(-3) == Colormap.viridis.color(0))
        #expect(Colormap.viridis.color(7) == Colormap.viridis.color(1))
        #expect(Colormap.viridis.color(.nan) == Colormap.viridis.missing)
        // Degenerate range maps to the middle entry rather than dividing by zero.
        #expect(Colormap.magma.color(2, in: 2...2) == Colormap.magma.color(0.5))
        #expect(Colormap.magma.color(5, in: 0...10) == Colormap.magma.color(0.5))
    }

    @Test func sequentialMapsIncreaseInLightness() {
        for map in [Colormap.viridis, .magma] {
            let luma = (0..<256).map { i -> Float in let e = map.entry(i); return 0.2126 * e.r + 0.7152 * e.g + 0.0722 * e.b }
            #expect(zip(luma, luma.dropFirst()).allSatisfy { $0 < $1 }, "\(map.name) lightness is monotonic")
        }
    }
}
