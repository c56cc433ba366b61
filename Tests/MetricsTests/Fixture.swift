import Foundation
import Testing

/// The numpy/scipy reference values written by `Notebooks-as-scripts/make_metrics_fixtures.py`.
struct MetricsFixture: Decodable {
    struct VectorCase: Decodable {
        let name: String
        let values: [Float]
        let measures: [String: Double]
        /// The sparsity paper's metrics (`paper_metrics` of make_metrics_fixtures.py).
        let paper: [String: Double]
    }
    struct ProbeCase: Decodable {
        let values: [Float]
        let raw: [String: Double]
        let no_outliers: [String: Double]
        let z: [String: Double]
    }
    struct RuleCase: Decodable {
        let mean_abs: [Double]
        let factor: Double
        let fraction: Double
        let expected: [Int]
    }
    struct Reference: Decodable {
        let rows: Int
        let cols: Int
        let values: [Float]
        let mean: [Double]
        let std: [Double]
        let mean_abs: [Double]
        let min: [Double]
        let max: [Double]
        let outlier_dims: [Int]
        let z_dims_count: Int
        let probes: [ProbeCase]
        let rule_cases: [RuleCase]
    }
    struct MatrixCase: Decodable {
        let name: String
        let rows: Int
        let cols: Int
        let values: [Float]
        let singular_values: [Double]
        let effective_rank: Double
        let singular_values_centered: [Double]
        let effective_rank_centered: Double
        let covariance_pr: Double
    }
    struct EntropyCase: Decodable {
        let name: String
        let rows: Int
        let vocabulary: Int
        let logits: [Float]
        let ids: [Int]
        let predictive_entropy: [Double]
        let losses: [Double?]
    }
    struct Patch: Decodable {
        let start: Int
        let length: Int
        let first: Double?
        let mean: Double?
        let max: Double?
    }
    struct Item: Decodable {
        let mean_entropy: Double
        let mean_entropy_bits: Double
        let bits_per_byte: Double
        let patch_count: Int
        let patches_per_byte: Double
        let mean_patch_length: Double
        let mean_first_byte_entropy: Double?
        let mean_patch_entropy_per_patch: Double?
        let mean_patch_entropy_per_byte: Double?
    }
    struct PatchCase: Decodable {
        let byte_entropies: [Double?]
        let losses: [Double?]
        let patch_lengths: [Int]
        let span: [Int]
        let patches: [Patch]
        let item: Item
    }
    struct Stack: Decodable {
        let layers: Int
        let hidden: Int
        let heads: Int
        let kv_heads: Int
        let intermediate: Int
        let window: Int?
    }
    struct Shape: Decodable {
        let patcher: Stack?
        let encoder: Stack
        let global: Stack
        let decoder: Stack
        let vocab: Int
        let k: Int
        let enc_all: Bool
        let dec_all: Bool
        let hash_tables: Int
    }
    struct FlopExpected: Decodable {
        let patcher: [Double]
        let embedding: [Double]
        let encoder: [Double]
        let global: [Double]
        let decoder: [Double]
        let unattributed: Double
    }
    struct FlopCase: Decodable {
        let patch_lengths: [Int]
        let include_patcher: Bool
        let expected: FlopExpected
    }
    struct Flops: Decodable {
        let shape: Shape
        let cases: [FlopCase]
    }

    let vectors: [VectorCase]
    let reference: Reference
    let matrices: [MatrixCase]
    let entropy: [EntropyCase]
    let patches: [PatchCase]
    let flops: Flops

    static let shared: MetricsFixture = {
        guard let url = Bundle.module.url(forResource: "metrics_reference", withExtension: "json",
                                          subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url),
              let fixture = try? JSONDecoder().decode(MetricsFixture.self, from: data)
        else {
            // A missing or unreadable fixture is a broken test bundle, not a user input.
            fatalError("MetricsTests: cannot load Fixtures/metrics_reference.json")
        }
        return fixture
    }()
}

/// |a − b| ≤ relative·max(|a|, |b|), or ≤ absolute (for values that are exactly or nearly 0).
func isClose(_ a: Double, _ b: Double, relative: Double = 1e-9, absolute: Double = 1e-12) -> Bool {
    if a == b { return true }
    let difference = abs(a - b)
    return difference <= relative * max(abs(a), abs(b)) || difference <= absolute
}

/// Largest relative difference, for messages.
func relativeDifference(_ a: Double, _ b: Double) -> Double {
    a == b ? 0 : abs(a - b) / max(abs(a), abs(b))
}
