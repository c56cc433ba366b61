import Foundation
#if canImport(Glibc)
import Glibc
#endif

func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CocoaError(.fileReadNoSuchFile)
    }
    return [UInt8](data)
}

func writeFileBytes(_ bytes: [UInt8], to path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
        throw CocoaError(.fileWriteUnknown)
    }
}

func sleepOneSecond() throws {
    sleep(1)
}
