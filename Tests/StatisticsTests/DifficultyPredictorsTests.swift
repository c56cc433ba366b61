import Testing
@testable import Statistics

@Test func aurocCountsTiesAsHalf() throws {
    // sklearn.metrics.roc_auc_score([0,0,0,1,1,1], [1,2,3,2,3,4]) = 0.7777…
    #expect(abs(try #require(DifficultyPredictors.auroc(negatives: [1, 2, 3], positives: [2, 3, 4])) - 7.0 / 9) < 1e-12)
    #expect(DifficultyPredictors.auroc(negatives: [1, 2], positives: [5, 6]) == 1)
    #expect(DifficultyPredictors.auroc(negatives: [5, 6], positives: [1, 2]) == 0)
    #expect(DifficultyPredictors.auroc(negatives: [], positives: [1]) == nil)
}

@Test func aSignalThatRisesWithTheLevelPredictsIt() throws {
    // values[item][level] = level + item offset: every last-level cell beats every first-level cell
    // when offsets are below one level apart.
    let values = (0..<12).map { i in (0..<4).map { Double($0) + Double(i) * 0.05 } }
    let p = try DifficultyPredictors.evaluate(signal: "s", values: values, loss: values, seed: 1, resamples: 200)
    #expect(p.n == 12 && p.aurocExtreme == 1 && p.aurocAdjacent == 1)
    #expect(abs((p.spearmanLevel ?? 0) - 0.97) < 0.03 && p.spearmanLoss == 1)
    #expect(p.aurocExtremeLow == 1 && p.aurocExtremeHigh == 1)
}

@Test func ridgeJudgeRecoversALinearTargetOutOfFold() throws {
    // target = 2·x0 − x1 exactly; with a small penalty the out-of-fold predictions are close to it,
    // and every row of a fold is predicted by a model that did not see its group.
    var features: [[Double]] = [], target: [Double] = [], groups: [Int] = []
    for g in 0..<20 {
        for l in 0..<3 {
            let x0 = Double(l) + Double(g % 7) * 0.1, x1 = Double((g * 3 + l) % 5)
            features.append([x0, x1, 1.5]); target.append(2 * x0 - x1); groups.append(g)
        }
    }
    let predicted = try DifficultyPredictors.ridgeOutOfFold(features: features, target: target, groups: groups, folds: 5, lambda: 1e-6)
    for (p, t) in zip(predicted, target) { #expect(abs(p - t) < 1e-4) }
    #expect(throws: StatisticsError.self) {
        _ = try DifficultyPredictors.ridgeOutOfFold(features: features, target: target, groups: groups, folds: 1)
    }
    #expect(throws: StatisticsError.self) {
        _ = try DifficultyPredictors.ridgeOutOfFold(features: features, target: target, groups: groups, lambda: 0)
    }
}
