/// One recorded drawing call of a ``Canvas``, in the canvas's pixel coordinates. The raster is made from these
/// calls by the canvas itself; ``VectorFigure`` replays them through Cairo as SVG or PDF, where rectangles,
/// lines and polygons stay exact and text is set in a real font (DejaVu Sans) instead of the bitmap font.
public indirect enum DrawingOperation: Sendable {
    /// A filled rectangle (also every `fillPixels`, `stroke` edge, `hline`, `vline` and the background).
    case fill(Rect, RGBA)
    /// A stroked polyline with round joins; non-finite points split it into runs, as on the raster.
    case polyline([Point], RGBA, width: Double)
    /// A filled polygon (even–odd rule); non-finite vertices are dropped, as on the raster.
    case polygon([Point], RGBA)
    case circle(Point, radius: Double, RGBA)
    /// One line of text anchored like ``Canvas/text(_:at:_:)``.
    case text(String, at: Point, TextStyle)
    /// Another canvas drawn at a position (its own operations, or its pixels when it has raster content).
    case canvas(Canvas, at: Point)
    /// Operations drawn `factor` times larger (a ``Canvas/scaled(by:)`` copy).
    case scaled([DrawingOperation], by: Double)
}
