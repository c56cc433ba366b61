// Statistics draws its resamples from the one SplitMix64 of ByteLens; callers that pass seeds or
// generators see it through this module.
@_exported import Randomness
// The rows of a study are computed with the one ordered parallel map.
import Parallelism
