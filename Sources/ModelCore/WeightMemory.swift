#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Kernels

/// Element type dense matrix products run on.
///
/// - `fp32`: weights are Float, converted (F32: copied) once per tensor at load time into the transposed
///   layout the products run fastest on, and the source pages are dropped from memory right away
///   (`madvise(MADV_DONTNEED)`), so the peak is the fp32 weights alone.
/// - `bf16`: weights are bfloat16 and products run on oneDNN's bf16 matmul (AVX-512-BF16/AMX) with fp32
///   accumulation and output; activations are rounded to bf16 at each product's input. BF16
///   checkpoints are used in place from the memory map (half the memory of `fp32`); F32/F16 weights are
///   rounded to bf16 once (round to nearest even). Results differ from `fp32` by bf16 rounding.
public enum MatrixPrecision: String, Sendable, CaseIterable {
    case fp32, bf16
}

/// How a checkpoint is turned into a runnable model.
public struct LoadOptions: Sendable {
    public var matrixPrecision: MatrixPrecision
    /// Drop each block's memory-mapped weights from this process right after the block has run.
    ///
    /// Only weights used in place from the memory map are affected (BF16 checkpoints with `.bf16`
    /// precision; fp32 weights are converted copies). The pages stay in the kernel's page cache and are
    /// mapped back (minor faults, no disk read while the cache holds them) when the block runs again,
    /// so the process's resident set peaks at about one block's weights instead of all of them, for
    /// some extra time per forward. Use it where resident memory is policed per process (batch
    /// schedulers); it does not lower the machine's memory use, since the page cache still holds the
    /// file. Outputs are identical either way.
    public var releasesMappedWeightsAfterUse: Bool

    public init(matrixPrecision: MatrixPrecision = .fp32, releasesMappedWeightsAfterUse: Bool = false) {
        self.matrixPrecision = matrixPrecision
        self.releasesMappedWeightsAfterUse = releasesMappedWeightsAfterUse
    }
}

/// Memory behind one dense weight: a pointer into a memory-mapped checkpoint (kept alive by `file`) or a
/// 64-byte aligned buffer owned here.
package final class WeightMemory: @unchecked Sendable {
    let base: UnsafeRawPointer
    private let owned: UnsafeMutableRawPointer?
    private let file: MappedFile?

    init(mapped pointer: UnsafeRawPointer, file: MappedFile) {
        base = pointer
        owned = nil
        self.file = file
    }

    /// A new uninitialised buffer of `byteCount` bytes.
    init(allocating byteCount: Int) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 64), alignment: 64)
        base = UnsafeRawPointer(buffer)
        owned = buffer
        file = nil
    }

    var mutableBase: UnsafeMutableRawPointer { UnsafeMutableRawPointer(mutating: base) }

    /// Drops the process's mapping of the first `byteCount` bytes (whole pages inside them) when this
    /// memory is a view of the checkpoint's memory map; no-op for owned buffers. The mapping is private and
    /// read-only, so a later access maps the same file bytes back in.
    func releaseMappedPages(byteCount: Int) {
        guard let file, file.isFileMapping, byteCount > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + byteCount) / page * page
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, Int32(MADV_DONTNEED)) }
    }

    deinit { owned?.deallocate() }
}

/// A dense `nn.Linear` weight `[outFeatures, inFeatures]` in the model's matrix precision.
///
/// fp32 weights are stored transposed, row-major `[inFeatures, outFeatures]` (oneDNN's sgemm is ~1.3-1.5x
/// faster on that layout for products with few rows); bf16 weights keep PyTorch's `[out, in]` layout
/// (the matmul primitive reads it through strides), so BF16 checkpoints are used in place.
package struct LinearWeight: Sendable {
    package let outFeatures: Int
    package let inFeatures: Int
    package let precision: MatrixPrecision
    package let memory: WeightMemory

    /// `[inFeatures, outFeatures]` Float values (precision `.fp32` only).
    package var transposedFloats: UnsafePointer<Float> { memory.base.assumingMemoryBound(to: Float.self) }
    /// `[outFeatures, inFeatures]` bfloat16 bit patterns (precision `.bf16` only).
    package var bfloat16: UnsafePointer<UInt16> { memory.base.assumingMemoryBound(to: UInt16.self) }

    /// See `LoadOptions.releasesMappedWeightsAfterUse`; no-op unless the weight is used in place.
    package func releaseMappedPages() {
        memory.releaseMappedPages(byteCount: outFeatures * inFeatures * (precision == .bf16 ? 2 : 4))
    }

    /// A Float copy in PyTorch's `[outFeatures, inFeatures]` layout (for tests and tools; bf16 weights
    /// are widened exactly).
    package var values: [Float] {
        let count = outFeatures * inFeatures
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            switch precision {
            case .fp32:
                for r in 0..<outFeatures {
                    for c in 0..<inFeatures { o[r * inFeatures + c] = transposedFloats[c * outFeatures + r] }
                }
            case .bf16: for i in 0..<count { o[i] = Float(bitPattern: UInt32(bfloat16[i]) << 16) }
            }
        }
        return out
    }

    /// Prepares `slice` (shape `[out, in]`, dtype F32/BF16/F16) for products in `precision`. Converted
    /// tensors' mapped pages are released afterwards, so the checkpoint does not stay resident as well.
    package init(_ slice: TensorSlice, precision: MatrixPrecision) {
        outFeatures = slice.shape[0]
        inFeatures = slice.shape[1]
        self.precision = precision
        let count = slice.elementCount
        switch (precision, slice.dtype) {
        case (.bf16, .bf16) where Int(bitPattern: slice.bytes) % 2 == 0:
            memory = WeightMemory(mapped: slice.bytes, file: slice.file)
        case (.fp32, _):
            memory = WeightMemory(allocating: count * 4)
            slice.convertTransposed(rows: outFeatures, columns: inFeatures,
                                    into: memory.mutableBase.assumingMemoryBound(to: Float.self))
            slice.releasePages()
        case (.bf16, _):
            memory = WeightMemory(allocating: count * 2)
            slice.convertToBFloat16(into: memory.mutableBase.assumingMemoryBound(to: UInt16.self))
            slice.releasePages()
        }
    }
}

extension TensorSlice {
    /// Converts the whole tensor to Float in parallel chunks (vectorisable loops).
    func convertToFloats(into out: UnsafeMutablePointer<Float>) {
        let count = elementCount
        let shared = SendableOutput(pointer: UnsafeMutableRawPointer(out))
        let chunk = 1 << 20
        let chunks = (count + chunk - 1) / chunk
        let source = SendableOutput(pointer: UnsafeMutableRawPointer(mutating: bytes))
        let dtype = self.dtype
        let body: @Sendable (Int) -> Void = { c in
            let start = c * chunk, end = min(count, start + chunk)
            let dst = shared.pointer.assumingMemoryBound(to: Float.self)
            switch dtype {
            case .bf16:
                if Int(bitPattern: source.pointer) % 2 == 0 {
                    let src = UnsafePointer(source.pointer.assumingMemoryBound(to: UInt16.self))
                    for i in start..<end { dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: src[i])) << 16) }
                } else {
                    for i in start..<end {
                        let bits = UnsafeRawPointer(source.pointer).loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                        dst[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
                    }
                }
            default:
                // F32 (unaligned) and F16: the generic reader.
                let reader = UnsafeRawPointer(source.pointer)
                for i in start..<end {
                    switch dtype {
                    case .f16:
                        dst[i] = Float(Float16(bitPattern: UInt16(littleEndian: reader.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                    default:
                        dst[i] = Float(bitPattern: UInt32(littleEndian: reader.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                    }
                }
            }
        }
        if chunks > 1 {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
        } else if chunks == 1 {
            body(0)
        }
    }

    /// Converts a `[rows, columns]` tensor to Float and writes it transposed (`out[c * rows + r]`), in
    /// parallel bands of 64 source rows (each band converted contiguously, then scattered in 64 x 64
    /// tiles so both sides stay in cache).
    func convertTransposed(rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        let band = 64
        let bands = (rows + band - 1) / band
        let shared = SendableOutput(pointer: UnsafeMutableRawPointer(out))
        let slice = self
        let body: @Sendable (Int) -> Void = { b in
            let r0 = b * band, r1 = min(rows, r0 + band)
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (r1 - r0) * columns)
            defer { scratch.deallocate() }
            slice.readFloats(from: r0 * columns, count: (r1 - r0) * columns, into: scratch)
            let dst = shared.pointer.assumingMemoryBound(to: Float.self)
            var c0 = 0
            while c0 < columns {
                let c1 = min(columns, c0 + 64)
                for r in r0..<r1 {
                    let src = scratch + (r - r0) * columns
                    for c in c0..<c1 { dst[c * rows + r] = src[c] }
                }
                c0 = c1
            }
        }
        if bands > 1 {
            DispatchQueue.concurrentPerform(iterations: bands, execute: body)
        } else if bands == 1 {
            body(0)
        }
    }

    /// Rounds the whole tensor to bfloat16 (round to nearest even; NaN stays NaN).
    func convertToBFloat16(into out: UnsafeMutablePointer<UInt16>) {
        let count = elementCount
        let floats = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        defer { floats.deallocate() }
        convertToFloats(into: floats)
        BFloat16.round(floats, count: count, into: out)
    }

    /// Tells the kernel the mapped pages of this tensor are not needed any more (they were converted).
    /// The mapping is private and read-only, so the pages are simply dropped and would be re-read from
    /// the file on a later access. Pages shared with neighbouring tensors are dropped too, harmlessly.
    func releasePages() {
        // Only a real file mapping may be dropped: for an in-memory copy (`MappedFile(copying:)`, generated
        // random weights) MADV_DONTNEED would zero live heap pages.
        guard byteCount > 0, file.isFileMapping else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: bytes) / page * page
        let end = Int(bitPattern: bytes) + byteCount
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, Int32(MADV_DONTNEED))
    }
}

private struct SendableOutput: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}
