/// A human-readable listing of a group tree (used by `probe inspect`).
extension HDF5Group {
    /// One line per group and dataset below this group, indented by depth:
    /// `name  dtype[shape]  (dim, dim)  chunks [..] shuffle+deflate` for datasets; dimension scales
    /// without variable are marked `dimension`. Attributes are not listed.
    public func structureSummary(indent: String = "  ") throws -> [String] {
        var lines: [String] = []
        try appendSummary(into: &lines, depth: 0, indent: indent)
        return lines
    }

    private func appendSummary(into lines: inout [String], depth: Int, indent: String) throws {
        let pad = String(repeating: indent, count: depth)
        for name in try memberNames() {
            switch try memberKind(name) {
            case .group?:
                let child = try group(name)
                lines.append("\(pad)\(name)/")
                try child.appendSummary(into: &lines, depth: depth + 1, indent: indent)
            case .dataset?:
                let dataset = try dataset(name)
                lines.append(pad + (try dataset.summaryLine()))
            default:
                lines.append("\(pad)\(name) (other object)")
            }
        }
    }
}

extension HDF5Dataset {
    /// `name  float32[164, 2]  (byte, hook)  chunked [819, 2] shuffle+deflate`.
    public func summaryLine() throws -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let shape = try self.shape()
        let maxShape = try self.maxShape()
        let extents = zip(shape, maxShape).map { $1 == nil ? "\($0)+" : "\($0)" }.joined(separator: ", ")
        var line = "\(name)  \(elementType)[\(extents)]"
        if try isDimensionScale() {
            let scaleName = (try? stringAttribute("NAME")) ?? ""
            line += scaleName.hasPrefix(Self.netCDFDimensionWithoutVariable) ? "  dimension" : "  coordinate"
        } else if !shape.isEmpty {
            let labels = try (0..<shape.count).map { try axisLabel($0) }
            if labels.contains(where: { !$0.isEmpty }) { line += "  (" + labels.joined(separator: ", ") + ")" }
        }
        let storage = try storageDescription()
        if let chunks = storage.chunks {
            line += "  chunked [" + chunks.map(String.init).joined(separator: ", ") + "]"
        }
        if !storage.filters.isEmpty { line += " " + storage.filters.joined(separator: "+") }
        return line
    }
}
