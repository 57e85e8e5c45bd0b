import Foundation

/// libFuzzer's entry, as a library call: SwiftPM gives every executable a `main` of its
/// own, so a harness is a small `main.swift` that hands its test to `FuzzDriver.run`,
/// which starts libFuzzer's driver (`LLVMFuzzerRunDriver`) with the process's arguments.
public enum FuzzDriver {
    nonisolated(unsafe) static var test: ((UnsafeBufferPointer<UInt8>) -> Void)?

    public static func run(_ body: @escaping (UnsafeBufferPointer<UInt8>) -> Void) -> Never {
        test = body
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzDriver.test?(UnsafeBufferPointer(start: data, count: size))
            return 0
        })
    }
}

/// libFuzzer's own entry point, for a build where its `main` is the one linked: the test
/// that `FuzzDriver.run` stores is what it calls (nothing runs before it is stored).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.test?(UnsafeBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
