/// Lines copied from the train split built by extract_corpus.py (sha256 in
/// Assets/datasets/corpus_manifest.json): positive controls for the train-line hash check.
enum KnownTrainLines {
    static let lines: [String] = [
        "Hedef dosya adı uzantısı tarafından seçilen biçimde çıktı oluştur",
        "[Enter GLOSTER and his Servingmen, in mourning cloaks.]",
        "With envious looks, laughing at thy shame,",
        "No, stir not for your lives; let her pass by.",
        "For whilst I think I am thy married wife,",
        "로컬 주소를 알아낼 수 없습니다:",
    ]
}
