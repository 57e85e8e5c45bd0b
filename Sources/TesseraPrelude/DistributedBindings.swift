import Foundation
import TesseraDistributed
import TesseraNN
import TesseraScript
import TesseraTensor

/// Data-parallel training in the language: `distributed()` tells a session its place in an
/// MPI job (`mpirun -np N tessera run train.tsr`), and `fit(distributed:)` trains across
/// the job's ranks (`.auto`, the default: across them under mpirun, alone otherwise).
enum DistributedBindings {
    static var functions: [NativeFunction] { [distributed] }

    static let distributed = NativeFunction(Declaration(
        "distributed", returns: "Dict",
        summary: "This session's place in a data-parallel job: [\"rank\": r, \"size\": n, \"launched\": true] under mpirun (rank 0 writes the outputs), [\"rank\": 0, \"size\": 1, \"launched\": false] otherwise.",
        example: "distributed()[\"size\"]",
        errors: [(.value, "mpirun launched this process but MPI could not start")])) { _, _ in
        let world = try communicator(.symbol("auto"))
        return Convert.dict([("rank", .int(world.rank)), ("size", .int(world.size)), ("launched", .bool(MPICommunicator.isLaunched))])
    }

    /// The modes of fit(distributed:).
    static let modes = ["auto", "off"]

    /// The ranks `fit(distributed:)` trains across: under mpirun, `.auto` is the job's world;
    /// outside it, and with `.off`, this process alone.
    static func communicator(_ mode: Value) throws -> any Communicator {
        guard case .symbol(let name) = mode, modes.contains(name) else {
            throw ScriptError(.value, "fit(distributed:) is .auto (across the ranks of an mpirun job, alone otherwise) or .off; got \(mode)")
        }
        guard name == "auto" else { return SoloCommunicator() }
        return try ScriptError.converting { () throws(TensorError) -> any Communicator in try MPICommunicator.world() ?? SoloCommunicator() }
    }
}

/// What `tessera run` needs to know of an MPI job: rank 0 alone shows and writes the
/// outputs (the others stay silent unless they fail), and a rank that fails ends the whole
/// job, so that no rank waits forever in a collective for it.
public enum DistributedRun {
    /// Whether mpirun started this process.
    public static var isLaunched: Bool { MPICommunicator.isLaunched }
    /// This process's rank in the job (0 outside one), known before MPI starts.
    public static var rank: Int { MPICommunicator.launchedRank }

    /// Ends every rank of the job after this one failed, saying `message` first. Where MPI
    /// never started in this process it returns: the failing exit status ends the job then
    /// (mpirun stops every rank when one exits with a failure).
    public static func stopJob(_ message: String) {
        MPICommunicator.current?.abort(message)
    }
}
