/// Checks variable-length elements (strings, `DIMENSION_LIST` references) against the file's global
/// heap before libhdf5 1.10.8 converts them, because libhdf5 trusts both sides.
///
/// On disk a variable-length element is a descriptor — sequence length (4 bytes), address of a global
/// heap collection, object index (4 bytes) — and its data is an object inside that collection. No HDF5
/// format checksums either. libhdf5 1.10.8 sizes its conversion buffer from the descriptor's length but
/// copies the heap object's own size into it (`H5HG_read`), indexes the collection's object table with the
/// descriptor's index unchecked (a flipped bit in an index reads a garbage table entry), and walks a
/// collection whose free-space object has size 0 forever (`H5HG__cache_heap_deserialize`). The first two
/// corrupt memory silently or crash with SIGSEGV, depending on what else the process has allocated, so a
/// child process that survives the read proves nothing about the parent.
///
/// This check parses each referenced collection the way libhdf5 does (the last object with an index wins;
/// index 0 is free space and its size is not padded) and accepts a non-null element only if its object
/// exists, lies inside its collection and holds exactly `length × element size` bytes — what libhdf5
/// writes (`H5T_vlen_disk_write`). Null elements (address 0) are not read by libhdf5 and not checked.
struct GlobalHeapCheck {
    let file: HDF5RawFile
    /// Bytes of one descriptor on disk.
    var descriptorSize: Int { 8 + file.addressSize }
    /// Bytes before an object's data (`H5HG_SIZEOF_OBJHDR`: index 2, references 2, reserved 4, size; padded to 8).
    private var objectHeaderSize: Int { (8 + file.lengthSize + 7) / 8 * 8 }

    /// The objects of each collection parsed so far: index → (offset of the object's header in the
    /// collection, data size), and the collection's size.
    private var collections: [UInt64: (objects: [Int: (offset: Int, size: UInt64)], size: Int)] = [:]

    init(file: HDF5RawFile) { self.file = file }

    /// Checks the descriptors in `descriptors` (whole descriptors, back to back); `firstElement` numbers
    /// the first of them in errors, `elementSize` is the size of one sequence element (1 for strings).
    /// - Throws: ``HDF5Error/damaged(object:detail:)`` naming `object` and the element.
    mutating func check(descriptors: [UInt8], firstElement: Int, elementSize: Int, object: String) throws {
        let raw = LittleEndianBytes(bytes: descriptors)
        let width = descriptorSize
        var offset = 0
        var element = firstElement
        while offset + width <= descriptors.count {
            defer { offset += width; element += 1 }
            guard let length = raw.uint(at: offset, width: 4),
                  let address = raw.uint(at: offset + 4, width: file.addressSize),
                  let index = raw.uint(at: offset + 4 + file.addressSize, width: 4) else { break }
            if address == 0 { continue }
            func damaged(_ detail: String) -> HDF5Error {
                .damaged(object: object, detail: "element \(element) (variable-length, \(length) × \(elementSize) bytes at heap "
                         + "collection \(address), object \(index)): \(detail); libhdf5 1.10.8 would read it out of bounds")
            }
            let collection = try parsedCollection(at: address, object: object, element: element)
            guard let found = collection.objects[Int(index)], index != 0 else {
                throw damaged("the collection holds no object \(index)")
            }
            let header = objectHeaderSize
            guard UInt64(found.offset + header) <= UInt64(collection.size),
                  found.size <= UInt64(collection.size - found.offset - header) else {
                throw damaged("object \(index) (\(found.size) bytes at offset \(found.offset)) runs past the collection's \(collection.size) bytes")
            }
            let (expected, overflow) = length.multipliedReportingOverflow(by: UInt64(elementSize))
            guard !overflow, expected == found.size else {
                throw damaged("the object holds \(found.size) bytes")
            }
        }
    }

    /// Parses (once) the collection at `address`, mirroring libhdf5 1.10.8's walk.
    private mutating func parsedCollection(at address: UInt64, object: String, element: Int)
        throws -> (objects: [Int: (offset: Int, size: UInt64)], size: Int) {
        if let known = collections[address] { return known }
        func damaged(_ detail: String) -> HDF5Error {
            .damaged(object: object, detail: "element \(element) refers to the global heap collection at \(address), which \(detail)")
        }
        let header = 8 + file.lengthSize
        guard let head = file.bytes(at: address, count: header) else { throw damaged("lies outside the file") }
        let fields = LittleEndianBytes(bytes: head)
        guard head.prefix(4).elementsEqual("GCOL".utf8), head[4] == 1 else {
            throw damaged("has no collection signature (GCOL, version 1)")
        }
        guard let claimed = fields.uint(at: 8, width: file.lengthSize), claimed >= 4096, claimed <= UInt64(HDF5RawFile.maxRead),
              let bytes = file.bytes(at: address, count: Int(claimed)) else {
            throw damaged("claims a size past the file (or under the 4096-byte minimum)")
        }
        let size = Int(claimed)
        let raw = LittleEndianBytes(bytes: bytes)
        let objectHeader = objectHeaderSize
        var objects: [Int: (offset: Int, size: UInt64)] = [:]
        var position = (header + 7) / 8 * 8
        while position < size {
            if position + objectHeader > size { break }   // a tail too small for a header is free space
            guard let index = raw.uint(at: position, width: 2),
                  let objectSize = raw.uint(at: position + 8, width: file.lengthSize) else { break }
            objects[Int(index)] = (position, objectSize)
            // Index 0 (free space) counts its header in its size and is not padded.
            let need: UInt64
            if index > 0 {
                let (padded, overflow) = objectSize.addingReportingOverflow(7)
                let (total, past) = UInt64(objectHeader).addingReportingOverflow(padded / 8 * 8)
                guard !overflow, !past else { throw damaged("has an object of \(objectSize) bytes") }
                need = total
            } else {
                need = objectSize
            }
            guard need > 0 else { throw damaged("has a free-space object of size 0 at offset \(position) (libhdf5 would loop forever)") }
            guard need <= UInt64(size - position) else {
                throw damaged("has an object at offset \(position) claiming \(need) bytes, past its \(size) bytes")
            }
            position += Int(need)
        }
        collections[address] = (objects, size)
        return (objects, size)
    }
}
