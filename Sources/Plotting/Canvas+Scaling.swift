extension Canvas {
    /// The canvas enlarged `factor` times by pixel replication (nearest neighbour), e.g. for print: bitmap
    /// text and rules stay crisp. A factor ≤ 1 returns the canvas unchanged.
    public func scaled(by factor: Int) -> Canvas {
        guard factor > 1 else { return self }
        var out = [UInt8]()
        out.reserveCapacity(pixels.count * factor * factor)
        for y in 0..<height {
            var row = [UInt8]()
            row.reserveCapacity(width * factor * 4)
            for x in 0..<width {
                let i = (y * width + x) * 4
                for _ in 0..<factor { row += pixels[i..<(i + 4)] }
            }
            for _ in 0..<factor { out += row }
        }
        // Sizes match by construction, so this initialiser cannot fail here.
        guard var scaled = try? Canvas(width: width * factor, height: height * factor, pixels: out) else { return self }
        // Vector output stays vector: the same calls, drawn `factor` times larger.
        if !hasRasterContent {
            scaled.operations = [.scaled(operations, by: Double(factor))]
            scaled.hasRasterContent = false
        }
        return scaled
    }
}
