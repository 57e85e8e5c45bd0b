// swift-tools-version:6.0
// Tessera's domain modules from Swift, without the language or the kernel: this package
// depends on Tessera by path and trains a network with TesseraNN alone.
// `swift run` here; `make test` copies it out of the repository and builds it there.
import Foundation
import PackageDescription

// Where Tessera is: this checkout by default. SwiftPM names a package that is used by path
// after its folder (a clone in `tessera/` is the package "tessera"), so the products are
// asked of that name.
let tesseraPath = Context.environment["TESSERA_PATH"] ?? "../.."
let tessera = (tesseraPath.hasPrefix("/") ? URL(fileURLWithPath: tesseraPath)
               : URL(fileURLWithPath: Context.packageDirectory).appendingPathComponent(tesseraPath)).standardized
let tesseraPackage = tessera.lastPathComponent

let package = Package(
    name: "TrainWithTesseraNN",
    dependencies: [.package(path: tessera.path)],
    targets: [
        .executableTarget(name: "TrainWithTesseraNN", dependencies: [
            .product(name: "TesseraNN", package: tesseraPackage),
            .product(name: "TesseraTensor", package: tesseraPackage),
        ]),
    ]
)
