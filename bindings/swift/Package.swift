// swift-tools-version:5.9
// The Swift package of the Chinwag SDK: `Chinwag` is the uniffi-generated Swift API
// (Sources/Chinwag, never edited by hand) over the Rust library `chinwag_ffi`, whose C
// declarations are the `ChinwagFFI` module (Sources/ChinwagFFI/include, also generated).
//
// Where the Rust library comes from:
// - ChinwagFFI.xcframework next to this file (built by `scripts/swift.sh xcframework` on a Mac):
//   a binary target with the static library for iOS, the iOS simulator and macOS. This is how
//   apps consume the package.
// - Otherwise a system-library target: link `libchinwag_ffi` from a directory you name, e.g.
//   `swift test -Xlinker -L$CARGO_TARGET_DIR/release` after `cargo build --release -p chinwag-ffi`
//   (what `scripts/swift.sh test` does, on macOS or Linux).
// See README.md.
import Foundation
import PackageDescription

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let xcframework = "ChinwagFFI.xcframework"
let useXCFramework = FileManager.default.fileExists(atPath: "\(here)/\(xcframework)")

let ffiTarget: Target = useXCFramework
    ? .binaryTarget(name: "ChinwagFFI", path: xcframework)
    : .systemLibrary(name: "ChinwagFFI", path: "Sources/ChinwagFFI/include")

let package = Package(
    name: "Chinwag",
    platforms: [.iOS(.v13), .macOS(.v10_15)],
    products: [
        .library(name: "Chinwag", targets: ["Chinwag"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "Chinwag",
            dependencies: ["ChinwagFFI"],
            path: "Sources/Chinwag",
            linkerSettings: useXCFramework ? [] : [.linkedLibrary("chinwag_ffi")]
        ),
        .testTarget(
            name: "ChinwagTests",
            dependencies: ["Chinwag"],
            path: "Tests/ChinwagTests"
        ),
    ]
)
