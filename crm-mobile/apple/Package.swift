// swift-tools-version:5.9
// crm-mobile as a Swift package: the generated Swift (CrmCore.swift and CrmMobile.swift, one module)
// over the native library in CrmMobileFFI.xcframework (static libraries for iOS, the iOS simulator
// and macOS, with the C modules CrmCoreFFI and CrmMobileFFI). Fill this folder with
// `bash crm-mobile/build-apple.sh` on a Mac; not built on the CI machine (no Apple toolchain).
//
// To publish, zip the XCFramework, upload it, and replace `path:` by
//   url: "https://.../CrmMobileFFI.xcframework.zip", checksum: "<swift package compute-checksum>"
import PackageDescription

let package = Package(
    name: "CrmMobile",
    // Swift concurrency (AsyncCrm's async methods) back-deploys to iOS 13 and macOS 10.15.
    platforms: [.iOS(.v13), .macOS(.v10_15)],
    products: [
        .library(name: "CrmMobile", targets: ["CrmMobile"]),
    ],
    targets: [
        .binaryTarget(name: "CrmMobileFFI", path: "CrmMobileFFI.xcframework"),
        .target(name: "CrmMobile", dependencies: ["CrmMobileFFI"], path: "Sources/CrmMobile"),
    ]
)
