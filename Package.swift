// swift-tools-version:6.0
// Tessera: a deep-learning notebook kernel. Module layout and dependency direction follow
// DESIGN.md: arrows point down only, and no domain module imports TesseraScript or TesseraKernel.
import Foundation
import PackageDescription

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
        // The domain modules, usable from Swift without the language.
        .library(name: "TesseraTensor", targets: ["TesseraTensor"]),
        .library(name: "TesseraNN", targets: ["TesseraNN"]),
        .library(name: "TesseraData", targets: ["TesseraData"]),
        .library(name: "TesseraMetrics", targets: ["TesseraMetrics"]),
        .library(name: "TesseraTune", targets: ["TesseraTune"]),
        .library(name: "TesseraDisplay", targets: ["TesseraDisplay"]),
        .library(name: "TesseraScript", targets: ["TesseraScript"]),
        .library(name: "TesseraKernel", targets: ["TesseraKernel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libzmq3-dev, libreadline-dev,
        // zlib1g-dev, libsqlite3-dev, libpq-dev, libopenmpi-dev); `make setup` installs them.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // libzmq's pkg-config names krb5's include folder, which SwiftPM refuses; the header is in /usr/include.
        .systemLibrary(name: "CZMQ", path: "Sources/CZMQ",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CReadline", path: "Sources/CReadline",
                       providers: [.apt(["libreadline-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),

        // The language: lexer, parser, AST, interpreter, values, errors. Knows no ML.
        .target(name: "TesseraScript"),
        // The CPU backend's element-wise kernels in C, for AVX-512, AVX2 or any CPU, chosen at run time.
        .target(name: "CKernels"),
        // Tensors and their backends.
        .target(name: "TesseraTensor", dependencies: ["CBLAS", "CKernels"]),
        // Autodiff, layers, losses, optimizers, the trainer, checkpoints.
        .target(name: "TesseraNN", dependencies: ["TesseraTensor"]),
        // Data-parallel training over Open MPI: TesseraNN's Communicator, an MPI job's world.
        .target(name: "TesseraDistributed", dependencies: ["TesseraNN", "TesseraTensor", "CMPI"]),
        // Frames, CSV/IDX readers, datasets, quality checks, cleaning, splits, transforms.
        .target(name: "TesseraData", dependencies: ["TesseraTensor", "CZlib"]),
        // Classification, regression and business-value metrics, threshold sweeps, metric specs.
        .target(name: "TesseraMetrics"),
        // Spaces, samplers (random, grid, Sobol, GP-BO), pruners, studies and their storage.
        .target(name: "TesseraTune", dependencies: ["TesseraTensor", "TesseraMetrics", "CSQLite", "CLibPQ"]),
        // MIME bundles, HTML tables, SVG charts, progress: data in, rich output out.
        .target(name: "TesseraDisplay"),
        // Binds the domain modules into the language (the prelude of LANGUAGE.md).
        .target(name: "TesseraPrelude", dependencies: ["TesseraScript", "TesseraDisplay", "TesseraData", "TesseraTensor", "TesseraNN", "TesseraMetrics", "TesseraTune", "TesseraDistributed",
                                                       .product(name: "Crypto", package: "swift-crypto")]),
        // Session, message core, transports.
        .target(name: "TesseraKernel", dependencies: [
            "TesseraPrelude", "TesseraScript", "TesseraDisplay", "TesseraTensor", "CZMQ", "CZlib", "CReadline",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "tessera", dependencies: [
            "TesseraKernel", "TesseraTensor", "TesseraTune", "TesseraMetrics", "TesseraPrelude",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "TesseraScriptTests", dependencies: ["TesseraScript"]),
        .testTarget(name: "TesseraDisplayTests", dependencies: ["TesseraDisplay"]),
        .testTarget(name: "TesseraPreludeTests", dependencies: ["TesseraPrelude"]),
        .testTarget(name: "TesseraDataTests", dependencies: ["TesseraData", "TesseraTensor"]),
        .testTarget(name: "TesseraMetricsTests", dependencies: ["TesseraMetrics"]),
        .testTarget(name: "TesseraTensorTests", dependencies: ["TesseraTensor"]),
        .testTarget(name: "TesseraTuneTests", dependencies: ["TesseraTune", "TesseraTensor", "TesseraMetrics"]),
        .testTarget(name: "TesseraNNTests", dependencies: ["TesseraNN", "TesseraTensor"], exclude: ["Golden"]),  // read by path
        .testTarget(name: "TesseraKernelTests", dependencies: ["TesseraKernel", "TesseraScript", "CZlib"], exclude: ["Language"]),  // read by path
    ]
)

// Fuzzing (`make fuzz`, scripts/fuzz.sh): libFuzzer harnesses over the decoders of hostile
// input, one per concern. They need libFuzzer linked in (-sanitize=fuzzer), so they exist
// only in the build the script makes with TESSERA_FUZZ set.
if ProcessInfo.processInfo.environment["TESSERA_FUZZ"] != nil {
    let harnesses = [("FuzzLexer", "TesseraScript"), ("FuzzCSV", "TesseraData"), ("FuzzSafetensors", "TesseraNN"),
                     ("FuzzJSONLines", "TesseraKernel"), ("FuzzWire", "TesseraKernel"), ("FuzzNotebook", "TesseraKernel"),
                     ("FuzzPipeline", "TesseraData")]
    package.targets.append(.target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"))
    for (name, module) in harnesses {
        package.targets.append(.executableTarget(name: name, dependencies: ["FuzzSupport", .target(name: module)], path: "Fuzz/\(name)"))
        package.products.append(.executable(name: name, targets: [name]))
    }
}
