/// Reading every object of a file once, to find damage that libhdf5 1.10.8 cannot report.
///
/// Variable-length strings live in the file's global heap, which no HDF5 file format checksums, and the
/// layout of unchunked data is not checksummed either. On such damage libhdf5 1.10.8 does not always
/// return an error: it loops forever in `H5HG__protect`, or copies out of bounds in `H5HG_read` or
/// `H5VM_memcpyvv` (SIGSEGV) inside `H5Aread` / `H5Dread`. Every variable-length read of ByteLens checks
/// its descriptors and heap objects first (`GlobalHeapCheck`, in any process, a named
/// ``HDF5Error/damaged(object:detail:)``); for the damage no check covers, ByteLens' CLI runs this walk in
/// a child process first (`probe preflight`, see the CLI's `FilePreflight`) and turns a crash or hang of
/// the child into a named error.
extension HDF5File {
    /// Limits of ``readEveryObject(limits:)``: a file claiming more objects or nesting is refused with an
    /// error rather than walked.
    public struct ReadCheckLimits: Sendable {
        /// Groups and datasets visited, at most.
        public var objects = 1_000_000
        /// Group nesting depth, at most.
        public var depth = 64
        public init() {}
    }

    /// Reads every attribute of every group and dataset (any type), every dataset in full (numbers in blocks
    /// of at most 4 Mi elements, so memory stays bounded), and every dimension label, walking the file from
    /// its root. An error does not stop the walk (every read is still tried once, since a later one may be the
    /// one libhdf5 crashes on); the first is thrown at the end. Returns the number of objects visited.
    /// - Throws: the first ``HDF5Error`` met, or ``HDF5Error/schema(path:detail:)`` past `limits`.
    @discardableResult
    public func readEveryObject(limits: ReadCheckLimits = ReadCheckLimits()) throws -> Int {
        var visited = 0
        var firstError: (any Error)?
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch { if firstError == nil { firstError = error } }
        }
        func visit(_ group: HDF5Group, depth: Int) throws {
            guard depth <= limits.depth else {
                throw HDF5Error.schema(path: fileName, detail: "groups nested deeper than \(limits.depth) at \(group.path)")
            }
            attempt { try Self.readAttributes(of: group, attempt: attempt) }
            var names: [String] = []
            attempt { names = try group.memberNames() }
            for name in names {
                visited += 1
                guard visited <= limits.objects else {
                    throw HDF5Error.schema(path: fileName, detail: "more than \(limits.objects) groups and datasets")
                }
                var kind: HDF5Group.MemberKind?
                attempt { kind = try group.memberKind(name) }
                switch kind {
                case .group?:
                    var child: HDF5Group?
                    attempt { child = try group.group(name) }
                    if let child { try visit(child, depth: depth + 1) }
                case .dataset?:
                    var opened: HDF5Dataset?
                    attempt { opened = try group.dataset(name) }
                    guard let dataset = opened else { continue }
                    Self.readAttributes(of: dataset, attempt: attempt)
                    attempt { try Self.readAll(dataset) }
                    var rank = 0
                    attempt { rank = try dataset.rank() }
                    for axis in 0..<rank { attempt { _ = try dataset.axisLabel(axis) } }
                default: continue
                }
            }
        }
        try visit(self, depth: 0)
        if let firstError { throw firstError }
        return visited
    }

    private static func readAttributes(of object: HDF5Object, attempt: (() throws -> Void) -> Void) {
        var names: [String] = []
        attempt { names = try object.attributeNames() }
        for name in names { attempt { _ = try object.attributeValue(name) } }
    }

    /// Reads a whole dataset, rows in blocks of at most 4 Mi elements.
    private static func readAll(_ dataset: HDF5Dataset) throws {
        if dataset.elementType == .string { _ = try dataset.readStrings(); return }
        let shape = try dataset.shape()
        guard let rows = shape.first else { try readBlock(dataset, rows: nil); return }
        let perRow = max(1, shape.dropFirst().reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 })
        let step = max(1, (1 << 22) / perRow)
        var start = 0
        while start < rows {
            try readBlock(dataset, rows: start..<min(rows, start + step))
            start += step
        }
    }

    private static func readBlock(_ dataset: HDF5Dataset, rows: Range<Int>?) throws {
        func read<T: HDF5Scalar>(_ type: T.Type) throws {
            if let rows { _ = try dataset.read(rows: rows, as: T.self) } else { _ = try dataset.read(as: T.self) }
        }
        switch dataset.elementType {
        case .float32: try read(Float.self)
        case .float64: try read(Double.self)
        case .int8: try read(Int8.self)
        case .int16: try read(Int16.self)
        case .int32: try read(Int32.self)
        case .int64: try read(Int64.self)
        case .uint8, .bool: try read(UInt8.self)
        case .uint16: try read(UInt16.self)
        case .uint32: try read(UInt32.self)
        case .uint64: try read(UInt64.self)
        case .string: _ = try dataset.readStrings()
        }
    }
}
