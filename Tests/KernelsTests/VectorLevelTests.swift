import Foundation
import Testing
@testable import Kernels

@Suite("Element-wise loop dispatch")
struct VectorLevelTests {
    /// The clones are keyed on CPU features, so the widest one the CPU supports is selected ("arch="
    /// clones once silently fell back to the baseline loop on a Sapphire Rapids Xeon; a profile then
    /// showed `bl_swiglu.default`). Compares with the flags in /proc/cpuinfo.
    @Test("the AVX-512 / AVX2 clone is used when the CPU has it")
    func widestClone() throws {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return }
        let flags = Set((info.split(separator: "\n").first { $0.hasPrefix("flags") } ?? "").split(separator: " ").map(String.init))
        let expected = flags.contains("avx512f") ? 3 : flags.contains("avx2") ? 2 : 1
        #expect(VectorLevel.current == expected)
    }
}
