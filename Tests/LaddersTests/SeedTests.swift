import Testing
@testable import Ladders
