import ArgumentParser
import HDF5Store

/// `probe inspect FILE.h5`: schema version, provenance, layout and a per-group summary of a probe-run
/// file. Refuses files without the ByteLens schema attribute or with a newer schema version.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the schema version, provenance and per-group summary of a probe-run HDF5 file.",
        discussion: """
            Exits with a non-zero status for a file that is not a ByteLens probe run, has no schema \
            version, or was written with a newer schema than this build reads. A run that did not \
            finish lives at <final>.h5.partial; inspect it with --allow-partial. \
            On NFS/Lustre mounts where HDF5 file locking fails ("unable to lock file"), set \
            HDF5_USE_FILE_LOCKING=FALSE.

            Examples:
              probe inspect Reports/ood/probe.h5
              probe inspect Reports/ood/probe.h5.partial --allow-partial --items 5
            """)

    @Argument(help: "The probe-run file (.h5).")
    var file: String

    @Flag(help: "Also open an unfinished <run>.h5.partial file (only complete items are shown).")
    var allowPartial = false

    @Option(help: "Print the first N item records.")
    var items = 0

    func run() async throws {
        try FilePreflight.check([file])
        let reader = try ProbeRunReader(path: file, allowPartial: allowPartial)
        defer { reader.close() }
        print(try reader.summary(itemLimit: max(0, items)))
    }
}
