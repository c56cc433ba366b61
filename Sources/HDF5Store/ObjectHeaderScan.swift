/// The messages of one object header, read beside libhdf5 (header versions 1 and 2, continuation chunks
/// followed), so that ``GlobalHeapCheck`` can see the raw bytes of an attribute or of compact dataset
/// storage, which no HDF5 call returns.
///
/// Only structure is read, never trusted: a chunk outside the file, a message running past its chunk or a
/// continuation cycle is an ``HDF5Error/damaged(object:detail:)``. libhdf5 itself has already parsed
/// this header (the object is open) and, for version 2, verified its checksums.
struct ObjectHeaderScan {
    struct Message {
        let type: Int
        let flags: UInt8
        let data: [UInt8]
        /// Stored elsewhere (shared object header message), `data` is only a reference.
        var isShared: Bool { flags & 0x02 != 0 }
    }

    static let attributeType = 0x0C, layoutType = 0x08, continuationType = 0x10, attributeInfoType = 0x15
    /// Chunks followed at most (libhdf5 and ByteLens write a handful).
    static let maxChunks = 4096

    let messages: [Message]

    init(file: HDF5RawFile, address: UInt64, object: String) throws {
        func damaged(_ detail: String) -> HDF5Error { .damaged(object: object, detail: "its object header at \(address) \(detail)") }
        guard let prefix = file.bytes(at: address, count: 16).map(LittleEndianBytes.init) else { throw damaged("lies outside the file") }
        var chunks: [(start: UInt64, count: Int)] = []
        let version: Int
        var trackedOrder = false
        if prefix.bytes.prefix(4).elementsEqual("OHDR".utf8) {
            version = 2
            guard prefix.bytes[4] == 2 else { throw damaged("has version \(prefix.bytes[4])") }
            let flags = prefix.bytes[5]
            trackedOrder = flags & 0x04 != 0
            var position = 6 + (flags & 0x20 != 0 ? 16 : 0) + (flags & 0x10 != 0 ? 4 : 0)
            let width = 1 << Int(flags & 0x03)
            guard let head = file.bytes(at: address, count: position + width).map(LittleEndianBytes.init),
                  let size = head.uint(at: position, width: width) else { throw damaged("is cut short") }
            position += width
            guard size <= UInt64(HDF5RawFile.maxRead) else { throw damaged("claims a first chunk of \(size) bytes") }
            chunks.append((address + UInt64(position), Int(size)))
        } else {
            version = 1
            guard prefix.bytes[0] == 1, let size = prefix.uint(at: 8, width: 4) else {
                throw damaged("has neither a version 1 prefix nor an OHDR signature")
            }
            chunks.append((address + 16, Int(size)))
        }
        let messageHeader = version == 1 ? 8 : (trackedOrder ? 6 : 4)
        var messages: [Message] = []
        var seen: Set<UInt64> = [address]
        var next = 0
        while next < chunks.count {
            let chunk = chunks[next]
            next += 1
            guard let bytes = file.bytes(at: chunk.start, count: chunk.count) else {
                throw damaged("has a chunk of \(chunk.count) bytes at \(chunk.start) outside the file")
            }
            let raw = LittleEndianBytes(bytes: bytes)
            var position = 0
            while position + messageHeader <= bytes.count {
                let type = Int(version == 1 ? raw.uint(at: position, width: 2)! : raw.uint(at: position, width: 1)!)
                let typeWidth = version == 1 ? 2 : 1
                let size = Int(raw.uint(at: position + typeWidth, width: 2)!)
                let flags = bytes[position + typeWidth + 2]
                let start = position + messageHeader
                guard size <= bytes.count - start else { throw damaged("has a message (type \(type)) running past its chunk") }
                let data = Array(bytes[start..<start + size])
                messages.append(Message(type: type, flags: flags, data: data))
                position = start + size
                if type == Self.continuationType {
                    let fields = LittleEndianBytes(bytes: data)
                    guard let at = fields.uint(at: 0, width: file.addressSize),
                          let length = fields.uint(at: file.addressSize, width: file.lengthSize),
                          length <= UInt64(HDF5RawFile.maxRead) else { throw damaged("has a damaged continuation message") }
                    guard seen.insert(at).inserted, chunks.count < Self.maxChunks else {
                        throw damaged("has a continuation cycle or more than \(Self.maxChunks) chunks")
                    }
                    if version == 1 {
                        chunks.append((at, Int(length)))
                    } else {
                        // "OCHK", messages, checksum.
                        guard length >= 8, let signature = file.bytes(at: at, count: 4), signature.elementsEqual("OCHK".utf8) else {
                            throw damaged("has a continuation chunk at \(at) without its OCHK signature")
                        }
                        chunks.append((at + 4, Int(length) - 8))
                    }
                }
            }
        }
        self.messages = messages
    }

    /// The stored data of the attribute `name` (the bytes after its name, datatype and dataspace), or
    /// `nil` when no unshared attribute message has that name.
    func attributeData(named name: String) -> ArraySlice<UInt8>? {
        for message in messages where message.type == Self.attributeType && !message.isShared {
            let data = message.data
            let fields = LittleEndianBytes(bytes: data)
            guard let version = data.first, (1...3).contains(version),
                  let nameLength = fields.uint(at: 2, width: 2), let typeSize = fields.uint(at: 4, width: 2),
                  let spaceSize = fields.uint(at: 6, width: 2), nameLength > 0 else { continue }
            func padded(_ value: UInt64) -> Int { Int(version == 1 ? (value + 7) / 8 * 8 : value) }
            let nameStart = version >= 3 ? 9 : 8
            guard nameStart + Int(nameLength) <= data.count,
                  data[nameStart..<nameStart + Int(nameLength) - 1].elementsEqual(name.utf8) else { continue }
            let dataStart = nameStart + padded(nameLength) + padded(typeSize) + padded(spaceSize)
            return dataStart <= data.count ? data[dataStart...] : []
        }
        return nil
    }

    /// Whether attributes may live outside the header: in dense storage (an attribute info message with a
    /// fractal heap) or as shared messages.
    func mayHoldAttributesElsewhere(undefinedAddress: UInt64, addressSize: Int) -> Bool {
        for message in messages {
            if message.type == Self.attributeType && message.isShared { return true }
            if message.type == Self.attributeInfoType {
                let fields = LittleEndianBytes(bytes: message.data)
                guard message.data.count >= 2 else { return true }
                let heapAt = 2 + (message.data[1] & 0x01 != 0 ? 2 : 0)
                if fields.uint(at: heapAt, width: addressSize) != undefinedAddress { return true }
            }
        }
        return false
    }

    /// The raw data of compact dataset storage (layout message version 3 or 4, class 0), or `nil`.
    func compactData() -> ArraySlice<UInt8>? {
        for message in messages where message.type == Self.layoutType {
            let data = message.data
            guard data.count >= 4, data[0] >= 3, data[1] == 0 else { return nil }
            let size = Int(LittleEndianBytes(bytes: data).uint(at: 2, width: 2)!)
            return 4 + size <= data.count ? data[4..<4 + size] : nil
        }
        return nil
    }
}

extension ObjectHeaderScan {
    static let dataspaceType = 0x01

    /// Refuses a chunked layout whose chunk shape does not give one positive size per axis of the
    /// dataspace (plus the element size): libhdf5 1.10.8 divides by those sizes while opening the dataset
    /// (`H5D__chunk_set_info_real`), before checking them, so `H5Dopen2` itself would die of SIGFPE.
    func checkChunkShape(object: String, addressSize: Int) throws {
        guard let layout = messages.first(where: { $0.type == Self.layoutType })?.data,
              let space = messages.first(where: { $0.type == Self.dataspaceType })?.data,
              layout.count >= 3, space.count >= 2 else { return }   // libhdf5 reports missing messages itself
        let rank = Int(space[1])
        let version = layout[0]
        let chunkClass = version >= 3 ? layout[1] : layout[2]
        guard chunkClass == 2 else { return }
        let fields = LittleEndianBytes(bytes: layout)
        var dims: [UInt64] = []
        var complete = true
        switch version {
        case 1, 2:
            let count = Int(layout[1])
            for u in 0..<count { if let d = fields.uint(at: 8 + addressSize + 4 * u, width: 4) { dims.append(d) } else { complete = false } }
        case 3:
            let count = Int(layout[2])
            for u in 0..<count { if let d = fields.uint(at: 3 + addressSize + 4 * u, width: 4) { dims.append(d) } else { complete = false } }
        default:   // 4 and later: flags, dimensionality, bytes per dimension, dimensions
            guard layout.count >= 5 else { complete = false; break }
            let count = Int(layout[3]), width = Int(layout[4])
            guard (1...8).contains(width) else { complete = false; break }
            for u in 0..<count { if let d = fields.uint(at: 5 + width * u, width: width) { dims.append(d) } else { complete = false } }
        }
        guard complete, dims.count == rank + 1, !dims.contains(0) else {
            throw HDF5Error.damaged(object: object, detail: "its chunked layout gives chunk sizes \(dims) for a \(rank)-dimensional "
                                    + "dataset (one positive size per axis, then the element size, expected); libhdf5 1.10.8 would divide by zero")
        }
    }
}
