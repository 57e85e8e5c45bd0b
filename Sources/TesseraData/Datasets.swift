import CZlib
import Foundation

/// The named data sets of `dataset(name)`: scikit-learn's small tabular sets (iris, wine,
/// breast_cancer, digits) from the CSVs Debian's python3-sklearn package ships,
/// fashion_mnist from Debian's dataset-fashion-mnist, and the generated fraud set. The
/// target column is always `label`.
public enum Datasets {
    public static let names = ["iris", "wine", "breast_cancer", "digits", "fashion_mnist", "fraud", "wordlang", "fortunes"]

    /// What `dataset` returns: one frame, or a ready-made train/test pair.
    public enum Loaded: Sendable {
        case frame(Frame)
        case split(train: Frame, test: Frame)
    }

    /// Folders searched for the scikit-learn CSVs, in order: `$TESSERA_DATA_DIR/sklearn`,
    /// `~/.cache/tessera/datasets/sklearn` (where `make setup` unpacks them), and the
    /// installed package's own folder.
    public static var sklearnFolders: [String] {
        let env = ProcessInfo.processInfo.environment
        var out: [String] = []
        if let d = env["TESSERA_DATA_DIR"], !d.isEmpty { out.append(d + "/sklearn") }
        out.append((env["HOME"] ?? NSTemporaryDirectory()) + "/.cache/tessera/datasets/sklearn")
        out.append("/usr/lib/python3/dist-packages/sklearn/datasets/data")
        return out
    }

    public static var fashionFolders: [String] {
        let env = ProcessInfo.processInfo.environment
        var out: [String] = []
        if let d = env["TESSERA_DATA_DIR"], !d.isEmpty { out.append(d + "/fashion-mnist") }
        out.append("/usr/share/datasets/fashion-mnist")
        return out
    }

    /// The data set `name`; a generated one checks `isCancelled` as it goes (throwing
    /// `CSVReader.Cancelled`, as a read does).
    public static func load(_ name: String, rows: Int? = nil, seed: UInt64 = 1, dirty: Bool = false,
                            isCancelled: @escaping () -> Bool = { false }) throws -> Loaded {
        switch name {
        case "iris": return .frame(try sklearn("iris.csv", features: irisFeatures))
        case "wine": return .frame(try sklearn("wine_data.csv", features: wineFeatures))
        case "breast_cancer": return .frame(try sklearn("breast_cancer.csv", features: breastCancerFeatures))
        case "digits": return .frame(try digits())
        case "fashion_mnist": return try fashionMNIST()
        case "fraud": return .frame(try FraudGenerator(rows: rows ?? 50_000, seed: seed).frame(dirty: dirty, isCancelled: isCancelled))
        case "wordlang": return try wordLanguage(perLanguage: max(1, (rows ?? 40_000) / wordLanguages.count), seed: seed)
        case "fortunes": return try fortunes(seed: seed)
        default:
            throw DataError("no data set named '\(name)'", suggestion: DataError.closest(name, in: names).map { "did you mean '\($0)'?" }
                            ?? "the data sets are \(names.joined(separator: ", "))")
        }
    }

    static func find(_ file: String, in folders: [String], package: String) throws -> String {
        for f in folders where FileManager.default.fileExists(atPath: f + "/" + file) { return f + "/" + file }
        throw DataError("the data file '\(file)' is not on this machine (looked in \(folders.joined(separator: ", ")))",
                        suggestion: package, isIO: true)
    }

    static let sklearnHint = "run `make setup` (it unpacks Debian's python3-sklearn data: apt-get download python3-sklearn && dpkg-deb -x python3-sklearn_*.deb DIR, then copies DIR/usr/lib/python3/dist-packages/sklearn/datasets/data to ~/.cache/tessera/datasets/sklearn)"

    /// scikit-learn's format: a first line `n_samples,n_features,target names...`, then
    /// the features and an integer target per row.
    static func sklearn(_ file: String, features: [String]) throws -> Frame {
        let path = try find(file, in: sklearnFolders, package: sklearnHint)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw DataError("cannot read '\(path)'", isIO: true) }
        let body = text.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
        var o = CSVOptions()
        o.header = false
        let raw = try CSVReader.read(text: body, name: path, options: o)
        return try relabel(raw, features: features)
    }

    /// Names the columns: the features, then `label` (the last column).
    static func relabel(_ raw: Frame, features: [String]) throws -> Frame {
        guard raw.columns.count == features.count + 1 else {
            throw DataError("expected \(features.count + 1) columns, found \(raw.columns.count)")
        }
        var columns = raw.columns
        for i in columns.indices { columns[i].name = i < features.count ? features[i] : "label" }
        return try Frame(columns: columns, target: "label")
    }

    static func digits() throws -> Frame {
        let path = try find("digits.csv.gz", in: sklearnFolders, package: sklearnHint)
        var o = CSVOptions()
        o.header = false
        let raw = try CSVReader.read(bytes: try gunzip(path), name: path, options: o)
        let features = (0..<8).flatMap { r in (0..<8).map { c in "pixel_\(r)_\(c)" } }
        return try relabel(raw, features: features)
    }

    static func gunzip(_ path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else { throw DataError("cannot open '\(path)'", isIO: true) }
        defer { gzclose(file) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 { throw DataError("'\(path)' is not valid gzip data") }
            if n == 0 { break }
            out += buffer[0..<Int(n)]
        }
        return out
    }

    static let fashionHint = "install Debian's dataset-fashion-mnist package: apt-get install dataset-fashion-mnist (make setup does)"

    /// Fashion-MNIST's 60,000 training and 10,000 test images: `label` (0-9) and 784
    /// pixel columns `pixel0`...`pixel783` (0-255).
    static func fashionMNIST() throws -> Loaded {
        func part(_ prefix: String) throws -> Frame {
            let images = try IDXReader.read(path: try find("\(prefix)-images-idx3-ubyte.gz", in: fashionFolders, package: fashionHint))
            let labels = try IDXReader.read(path: try find("\(prefix)-labels-idx1-ubyte.gz", in: fashionFolders, package: fashionHint))
            guard images.shape.count == 3, labels.shape.count == 1, images.shape[0] == labels.shape[0] else {
                throw DataError("fashion_mnist: images \(images.shape) and labels \(labels.shape) do not match")
            }
            let n = images.shape[0], pixels = images.shape[1] * images.shape[2]
            var columns = [Column(name: "label", storage: .int64(labels.values.map { Int64($0) }))]
            columns.reserveCapacity(pixels + 1)
            images.values.withUnsafeBufferPointer { v in
                for p in 0..<pixels {
                    var column = [Int64](repeating: 0, count: n)
                    for i in 0..<n { column[i] = Int64(v[i * pixels + p]) }
                    columns.append(Column(name: "pixel\(p)", storage: .int64(column)))
                }
            }
            return try Frame(columns: columns, target: "label")
        }
        return .split(train: try part("train"), test: try part("t10k"))
    }

    static let irisFeatures = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    static let wineFeatures = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
                               "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue",
                               "od280/od315_of_diluted_wines", "proline"]
    static let breastCancerFeatures: [String] = {
        let base = ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points",
                    "symmetry", "fractal dimension"]
        return base.map { "mean \($0)" } + base.map { "\($0) error" } + base.map { "worst \($0)" }
    }()
}
