import CMPI
import Foundation
import TesseraNN
import TesseraTensor

/// The ranks of an Open MPI job (`mpirun -np N tessera run train.tsr`): each process is a
/// rank, and the collectives of training are MPI's (MPI_Allreduce, MPI_Iallreduce,
/// MPI_Bcast), over shared memory on one host and TCP between hosts.
///
/// MPI starts the first time the world is asked for, in a process launched by mpirun, and
/// ends when the process exits (mpirun counts a rank that exits without MPI_Finalize as
/// failed). A process not launched by mpirun never starts MPI: it is a world of one.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// The reductions started and not yet waited for, tested as new ones start so that MPI
    /// moves them on while the backward pass runs (Open MPI has no progress thread).
    private var inFlight: [MPIReduction] = []
    private let lock = NSLock()

    /// The ranks mpirun started on this host (Open MPI says how many).
    public let ranksOnThisHost: Int

    private init(rank: Int, size: Int) {
        self.rank = rank; self.size = size
        ranksOnThisHost = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init).map { Swift.max(1, $0) } ?? 1
    }

    /// Whether mpirun (Open MPI's launcher) started this process as one rank of several.
    public static var isLaunched: Bool {
        let env = ProcessInfo.processInfo.environment
        guard let size = env["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) else { return false }
        return size >= 1 && env["OMPI_COMM_WORLD_RANK"] != nil
    }

    /// This rank's place in the launcher's world, read without starting MPI (rank 0 outside
    /// a job): what decides who writes the outputs before any collective runs.
    public static var launchedRank: Int {
        isLaunched ? ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_RANK"].flatMap(Int.init) ?? 0 : 0
    }

    /// The world when MPI has started in this process (nil before, and outside mpirun).
    public static var current: MPICommunicator? { startLock.withLock { started } }

    nonisolated(unsafe) private static var started: MPICommunicator?
    nonisolated(unsafe) private static var failure: String?
    private static let startLock = NSLock()

    /// The job's world, MPI started on first use; nil outside mpirun. Throws when MPI cannot
    /// start (a launcher of another MPI, a broken installation).
    public static func world() throws(TensorError) -> MPICommunicator? {
        guard isLaunched else { return nil }
        startLock.lock()
        defer { startLock.unlock() }
        if let started { return started }
        if let failure { throw TensorError(.value, failure) }
        var provided: Int32 = 0
        var argc: Int32 = 0
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        // Any thread may run a collective (the cell's thread, later another one): ask for
        // MPI_THREAD_MULTIPLE, and take at least SERIALIZED (the calls here are locked).
        let rc = MPI_Init_thread(&argc, &argv, Int32(MPI_THREAD_MULTIPLE), &provided)
        guard rc == MPI_SUCCESS, provided >= Int32(MPI_THREAD_SERIALIZED) else {
            failure = "MPI did not start (MPI_Init_thread returned \(rc), thread level \(provided)); launch with Open MPI's mpirun"
            throw TensorError(.value, failure!)
        }
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(tessera_mpi_comm_world(), &r)
        MPI_Comm_size(tessera_mpi_comm_world(), &s)
        atexit {
            var finalized: Int32 = 0
            MPI_Finalized(&finalized)
            if finalized == 0 { MPI_Finalize() }
        }
        started = MPICommunicator(rank: Int(r), size: Int(s))
        return started
    }

    private func check(_ rc: Int32, _ what: String) throws(TensorError) {
        guard rc == MPI_SUCCESS else { throw TensorError(.value, "MPI \(what) failed on rank \(rank) (error \(rc))") }
    }

    /// MPI counts are Int32: longer buffers go in chunks.
    private static let chunk = Int(Int32.max)

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(TensorError) {
        lock.lock(); defer { lock.unlock() }
        var start = 0
        while start < buffer.count {
            let n = min(Self.chunk, buffer.count - start)
            try check(MPI_Allreduce(tessera_mpi_in_place(), buffer.baseAddress! + start, Int32(n), tessera_mpi_float(), tessera_mpi_sum(), tessera_mpi_comm_world()), "all-reduce")
            start += n
        }
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws(TensorError) {
        guard buffer.count > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        try check(MPI_Allreduce(tessera_mpi_in_place(), buffer.baseAddress!, Int32(buffer.count), tessera_mpi_double(), tessera_mpi_sum(), tessera_mpi_comm_world()), "all-reduce")
    }

    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(TensorError) -> any PendingReduction {
        guard buffer.count > 0 else { return FinishedReduction() }
        guard buffer.count <= Self.chunk else {
            try allReduceSum(buffer)
            return FinishedReduction()
        }
        lock.lock(); defer { lock.unlock() }
        let reduction = MPIReduction(owner: self)
        try check(MPI_Iallreduce(tessera_mpi_in_place(), buffer.baseAddress!, Int32(buffer.count), tessera_mpi_float(), tessera_mpi_sum(),
                                 tessera_mpi_comm_world(), &reduction.request), "all-reduce")
        // Moves the earlier reductions on while this one starts.
        inFlight.removeAll { $0.test() }
        inFlight.append(reduction)
        return reduction
    }

    fileprivate func wait(_ reduction: MPIReduction) throws(TensorError) {
        lock.lock(); defer { lock.unlock() }
        guard !reduction.done else { return }
        try check(MPI_Wait(&reduction.request, tessera_mpi_status_ignore()), "all-reduce")
        reduction.done = true
        inFlight.removeAll { $0 === reduction }
    }

    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws(TensorError) {
        lock.lock(); defer { lock.unlock() }
        var start = 0
        while start < buffer.count {
            let n = min(Self.chunk, buffer.count - start)
            try check(MPI_Bcast(buffer.baseAddress! + start, Int32(n), tessera_mpi_float(), Int32(root), tessera_mpi_comm_world()), "broadcast")
            start += n
        }
    }

    /// Says `message` (with this rank's number) on standard error and ends every rank of the
    /// job: mpirun then exits with a failure status.
    public func abort(_ message: String) {
        FileHandle.standardError.write(Data("tessera: rank \(rank) of \(size) stopped the job: \(message)\n".utf8))
        MPI_Abort(tessera_mpi_comm_world(), 1)
    }
}

/// A bucket's reduction in flight.
final class MPIReduction: PendingReduction {
    var request: MPI_Request?
    var done = false
    private unowned let owner: MPICommunicator

    init(owner: MPICommunicator) { self.owner = owner }

    /// Whether it has finished (MPI_Test also moves it on); called holding the owner's lock.
    func test() -> Bool {
        if done { return true }
        var flag: Int32 = 0
        MPI_Test(&request, &flag, tessera_mpi_status_ignore())
        done = flag != 0
        return done
    }

    func wait() throws(TensorError) { try owner.wait(self) }
}
