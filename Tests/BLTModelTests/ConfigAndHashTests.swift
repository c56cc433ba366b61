import Foundation
import Testing
@testable import BLTModel
@testable import ModelCore

@Suite("BLTConfig decoding")
struct ConfigTests {
    @Test("an empty config gets transformers 5.24.0 defaults (blt-1b shape)")
    func defaults() throws {
        let c = try BLTConfig(jsonData: Data("{}".utf8))
        #expect(c.vocabSize == 260 && c.crossAttnK == 2 && c.patchSize == 4 && c.patchingMode == "entropy")
        #expect(c.patchingThreshold == 1.335442066192627 && c.maxPatchLength == nil)
        #expect(c.hashByteGroupSizes == [3, 4, 5, 6, 7, 8] && c.hashByteGroupVocab == 500002 && c.hashFunctionCount == 1)
        #expect(c.patcher.hiddenSize == 768 && c.patcher.numHiddenLayers == 14 && c.patcher.numAttentionHeads == 12)
        #expect(c.patcher.ropeTheta == 10000 && c.patcher.slidingWindow == 512 && c.patcher.intermediateSize == 2048)
        #expect(c.encoder.hiddenSize == 1024 && c.encoder.numHiddenLayers == 1 && c.encoder.ropeTheta == 500000)
        #expect(c.encoder.intermediateSize == 2730)   // int(8 * 1024 / 3): the class has no explicit default
        #expect(c.decoder.intermediateSize == 2816 && c.decoder.numHiddenLayers == 9 && c.decoder.crossAttnAllLayers)
        #expect(!c.encoder.crossAttnAllLayers)
        #expect(c.global.hiddenSize == 2048 && c.global.numHiddenLayers == 25 && c.global.intermediateSize == 5632)
        // local_attention_window_len (512) drives encoder and decoder; global is causal.
        #expect(c.encoder.slidingWindow == 512 && c.decoder.slidingWindow == 512 && c.global.slidingWindow == nil)
        #expect(c.encoderCrossOutputSize == nil)
        #expect(c.global.numKeyValueHeads == 16 && c.global.headDim == 128)
    }

    @Test("window, rope theta and kv heads follow the JSON; null window means plain causal")
    func overrides() throws {
        let json = """
        {"local_attention_window_len": null, "rope_theta": 1,
         "patcher_config": {"sliding_window": null, "rope_theta": 1234, "num_key_value_heads": 4},
         "encoder_config": {"sliding_window": 7, "rope_parameters": {"rope_type": "default", "rope_theta": 99.0}}}
        """
        let c = try BLTConfig(jsonData: Data(json.utf8))
        #expect(c.patcher.slidingWindow == nil && c.patcher.ropeTheta == 1234 && c.patcher.numKeyValueHeads == 4)
        #expect(c.encoder.slidingWindow == nil && c.decoder.slidingWindow == nil)  // overwritten by the top-level null
        #expect(c.encoder.ropeTheta == 99 && c.decoder.ropeTheta == 500000)
    }

    @Test("fixture configs decode with their token-embedding projection and windows")
    func fixtureConfig() throws {
        let c = try BLTConfig(contentsOf: Fixtures.directory("tiny_variants").appendingPathComponent("config.json"))
        #expect(c.encoderCrossOutputSize == c.encoder.hiddenSize * c.crossAttnK)
        #expect(c.encoder.slidingWindow == 16 && c.decoder.slidingWindow == 16 && c.patcher.slidingWindow == 24)
        #expect(c.maxPatchLength == 4 && c.hashFunctionCount == 2)
    }

    @Test("inconsistent or ill-typed configs give typed errors", arguments: [
        (#"{"encoder_config": {"cross_attn_k": 3}}"#, "encoder_config.cross_attn_k"),
        (#"{"decoder_config": {"hidden_size_global": 1024}}"#, "decoder_config.hidden_size_global"),
        (#"{"encoder_config": {"hidden_size_global": 4096}}"#, "encoder_config.hidden_size_global"),
        (#"{"global_config": {"num_attention_heads": 5}}"#, "global_config.num_attention_heads"),
        (#"{"patcher_config": {"num_key_value_heads": 5}}"#, "patcher_config.num_key_value_heads"),
        (#"{"decoder_config": {"hidden_size": 512, "num_attention_heads": 8}}"#, "decoder_config.hidden_size"),
        (#"{"max_patch_length": 0}"#, "max_patch_length"),
        (#"{"encoder_config": {"vocab_size": 100}}"#, "encoder_config.vocab_size"),
        (#"{"patcher_config": {"vocab_size": 300}}"#, "patcher_config.vocab_size"),
    ])
    func inconsistent(json: String, field: String) {
        #expect {
            _ = try BLTConfig(jsonData: Data(json.utf8))
        } throws: { error in
            guard case .invalidValue(_, let f, _, _) = error as? BLTConfigError else { return false }
            return f == field
        }
    }

    @Test("wrong JSON types and broken JSON are reported")
    func wrongTypes() {
        #expect(throws: BLTConfigError.wrongType(path: "config.json", field: "patcher_config.hidden_size", expected: "an integer")) {
            _ = try BLTConfig(jsonData: Data(#"{"patcher_config": {"hidden_size": "big"}}"#.utf8))
        }
        #expect(throws: BLTConfigError.wrongType(path: "config.json", field: "cross_attn_k", expected: "an integer")) {
            _ = try BLTConfig(jsonData: Data(#"{"cross_attn_k": true}"#.utf8))
        }
        #expect { _ = try BLTConfig(jsonData: Data("{not json".utf8)) } throws: { error in
            if case .invalidJSON = error as? BLTConfigError { return true }
            return false
        }
    }
}

@Suite("Hash n-gram embeddings")
struct HashTests {
    /// Test vectors of blt_architecture.md §4 (prime 1000000007, vocab 500002).
    @Test("rolling polynomial hash reproduces the documented vectors")
    func vectors() {
        let ids = [1, 42, 21, 12, 43, 23, 1, 4]
        let expected: [Int: [Int]] = [
            3: [443987, 336383, 252484, 340511, 236466, 136472, 352191, 271972],
            4: [437197, 341211, 34994, 209334, 78432, 309469, 73667, 4473],
            5: [123201, 94105, 217914, 206396, 489445, 201537, 432670, 66469],
            6: [166353, 250459, 359486, 100132, 5, 184026, 464388, 291074],
            7: [34117, 485253, 63410, 365386, 453149, 381192, 218143, 100854],
            8: [172383, 300625, 70256, 210984, 304275, 479416, 150071, 100667],
        ]
        for (n, values) in expected {
            #expect(HashNGrams.buckets(ids: ids, n: n, prime: 1000000007, vocab: 500002) == values, "n = \(n)")
        }
    }

    @Test("fused rows add e·vocab per (function, size) table, function-major")
    func fusedOffsets() throws {
        var c = try BLTConfig(jsonData: Data("{}".utf8))
        c.hashFunctionCount = 2
        c.hashByteGroupSizes = [3, 4]
        c.hashByteGroupVocab = 11
        let rows = HashNGrams.rows(ids: [1, 200, 7], config: c)
        #expect(rows.count == 4)
        #expect(rows[3] == HashNGrams.buckets(ids: [1, 200, 7], n: 4, prime: HashNGrams.primes[1], vocab: 11).map { $0 + 33 })
        #expect(rows.allSatisfy { $0.allSatisfy { $0 >= 0 } })
    }
}
