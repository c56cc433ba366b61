import Foundation
import Testing
@testable import Kernels

@Suite("Element-wise loop dispatch")
struct VectorLevelTests {
    /// The ifunc resolver must pick the widest clone the CPU supports ("arch=" clones once silently fell
    /// back to the baseline loop on a Sapphire Rapids Xeon). Reads the CPU flags from /proc/cpuinfo.
    @Test("the AVX-512 / AVX2 clone is used when the CPU has it")
    func widestClone() throws {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return }
        let flags = Set((info.split(separator: "\n").first { $0.hasPrefix("flags") } ?? "").split(separator: " ").map(String.init))
        let expected = flags.contains("avx512f") ? 3 : flags.contains("avx2") ? 2 : 1
        #expect(VectorLevel.current == expected)
    }
}
