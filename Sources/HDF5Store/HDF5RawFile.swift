import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of an open HDF5 file, read beside libhdf5 for the checks libhdf5 1.10.8 does not make
/// (see ``GlobalHeapCheck``).
///
/// A file opened with the default (sec2) driver is read through libhdf5's own descriptor
/// (`H5Fget_vfd_handle`), so the bytes checked are the bytes libhdf5 reads; a file image in memory
/// (`HDF5File.open(image:)`, core driver) is read from the image it was opened with. Every address read
/// from the file is untrusted: ``bytes(at:count:)`` returns `nil` for a range outside the file instead
/// of reading it.
struct HDF5RawFile {
    private enum Source {
        case descriptor(Int32)
        case image([UInt8])
    }

    private let source: Source
    /// Bytes in the file (or image).
    let size: UInt64
    /// The user block's size: file addresses are relative to the end of it (`H5Dget_offset` is not).
    let base: UInt64
    /// Where address 0 lies in ``source``: after the user block in the file and in an image opened by
    /// ByteLens, at 0 in libhdf5's own copy of an image (which leaves the user block out).
    private let sourceStart: UInt64
    /// `sizeof_addr` and `sizeof_size` of the superblock (2, 4 or 8 bytes each).
    let addressSize: Int
    let lengthSize: Int
    /// Longest read served at once (a collection, a header chunk, a block of descriptors): larger claims
    /// come from damage, since ByteLens and libhdf5 write far smaller pieces.
    static let maxRead = 1 << 30
    /// Largest file image of another driver copied for checking.
    static let maxImageCopy = 64 << 20

    /// The raw file behind `objectID` (any identifier in the file).
    init(objectID: hid_t, context: String) throws {
        let fileID = try HDF5Call.id("finding the file of \(context)") { H5Iget_file_id(objectID) }
        defer { H5Fclose(fileID) }
        // A file open for writing may hold heap collections and headers only in libhdf5's cache: write them
        // out first, so the bytes read here are the ones libhdf5 would use.
        var intent: UInt32 = 0
        try HDF5Call.status("reading the intent of \(context)'s file") { H5Fget_intent(fileID, &intent) }
        if intent & bl_H5F_ACC_RDWR() != 0 {
            try HDF5Call.status("flushing \(context)'s file before checking it") { H5Fflush(fileID, H5F_SCOPE_LOCAL) }
        }
        let fcpl = ScopedID.propertyList(try HDF5Call.id("reading the creation properties of \(context)'s file") {
            H5Fget_create_plist(fileID)
        })
        var addressSize = 0, lengthSize = 0
        var userBlock: hsize_t = 0
        try HDF5Call.status("reading address sizes of \(context)'s file") { H5Pget_sizes(fcpl.id, &addressSize, &lengthSize) }
        try HDF5Call.status("reading the user block of \(context)'s file") { H5Pget_userblock(fcpl.id, &userBlock) }
        guard [2, 4, 8].contains(addressSize), [2, 4, 8].contains(lengthSize) else {
            throw HDF5Error.damaged(object: context, detail: "the superblock's address/length sizes \(addressSize)/\(lengthSize) are not 2, 4 or 8")
        }
        self.addressSize = addressSize
        self.lengthSize = lengthSize
        self.base = UInt64(userBlock)

        let fapl = ScopedID.propertyList(try HDF5Call.id("reading the access properties of \(context)'s file") {
            H5Fget_access_plist(fileID)
        })
        if H5Pget_driver(fapl.id) == bl_H5FD_SEC2() {
            var handle: UnsafeMutableRawPointer?
            try HDF5Call.status("reading the descriptor of \(context)'s file") { H5Fget_vfd_handle(fileID, fapl.id, &handle) }
            guard let handle else { throw HDF5Error.library(operation: "reading the descriptor of \(context)'s file", stack: []) }
            let descriptor = handle.load(as: Int32.self)
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                throw HDF5Error.fileSystem(path: context, detail: "cannot stat the open file (errno \(errno))")
            }
            source = .descriptor(descriptor)
            size = UInt64(max(0, status.st_size))
            sourceStart = base
        } else {
            var nameBuffer = [CChar](repeating: 0, count: 4096)
            let nameLength = H5Fget_name(fileID, &nameBuffer, nameBuffer.count)
            if nameLength > 0, nameLength < nameBuffer.count, let image = OpenImages.image(named: stringFromCBuffer(nameBuffer)) {
                source = .image(image)
                size = UInt64(image.count)
                sourceStart = base   // the bytes as given, user block included
            } else {
                // Not an image ByteLens opened (or already closed): libhdf5's copy, as long as the
                // superblock claims (zeros past the real image), within a modest cap.
                let length = try HDF5Call.status("sizing the image of \(context)'s file") { H5Fget_file_image(fileID, nil, 0) }
                guard length <= Self.maxImageCopy else {
                    throw HDF5Error.damaged(object: context, detail: "its file image claims \(length) bytes, past the \(Self.maxImageCopy) ByteLens copies to check it")
                }
                var image = [UInt8](repeating: 0, count: length)
                _ = try image.withUnsafeMutableBytes { raw in
                    try HDF5Call.status("copying the image of \(context)'s file") { H5Fget_file_image(fileID, raw.baseAddress, raw.count) }
                }
                source = .image(image)
                size = UInt64(length)
                sourceStart = 0      // libhdf5's copy leaves the user block out
            }
        }
    }

    /// `count` bytes at file address `address` (counted from the end of the user block), or `nil` when any lies
    /// outside the file or `count` is past ``maxRead``.
    func bytes(at address: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, count <= Self.maxRead else { return nil }
        let (start, overflow) = sourceStart.addingReportingOverflow(address)
        guard !overflow, start <= size, UInt64(count) <= size - start else { return nil }
        switch source {
        case .image(let image):
            return Array(image[Int(start)..<Int(start) + count])
        case .descriptor(let descriptor):
            var result = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = result.withUnsafeMutableBytes { raw in
                    pread(descriptor, raw.baseAddress! + done, count - done, off_t(start) + off_t(done))
                }
                if got > 0 { done += got } else if got < 0 && errno == EINTR { continue } else { return nil }
            }
            return result
        }
    }

    /// The all-ones address HDF5 writes for "undefined".
    var undefinedAddress: UInt64 { addressSize == 8 ? UInt64.max : (UInt64(1) << (8 * addressSize)) - 1 }
}

/// Little-endian fields of a byte buffer read from a file; every read is bounds-checked.
struct LittleEndianBytes {
    let bytes: [UInt8]

    /// The `width`-byte unsigned integer at `offset`, or `nil` past the end.
    func uint(at offset: Int, width: Int) -> UInt64? {
        guard offset >= 0, width >= 0, width <= 8, offset <= bytes.count - width else { return nil }
        var value: UInt64 = 0
        for k in 0..<width { value |= UInt64(bytes[offset + k]) << (8 * k) }
        return value
    }
}
