#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The interpreter recurses on the Swift stack (a script call is a dozen Swift frames),
/// so script code runs on a thread with room for `Interpreter.maxCallDepth` calls; the
/// main thread's 8 MB would overflow first and crash instead of raising RecursionError.
public enum LargeStack {
    /// Stack size for threads that run script code.
    public static let size = 1 << 30

    /// Runs `body` on a fresh thread with a large stack and waits for it.
    public static func run<T>(_ body: () throws -> T) throws -> T {
        var result: Result<T, Error>? = nil
        withoutActuallyEscaping({ result = Result { try body() } }) { work in
            let box = WorkBox(work)
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            defer { pthread_attr_destroy(&attr) }
            pthread_attr_setstacksize(&attr, size)
            let arg = Unmanaged.passRetained(box).toOpaque()
            #if canImport(Glibc)
            var thread = pthread_t()
            #else
            var thread: pthread_t? = nil
            #endif
            let rc = pthread_create(&thread, &attr, { raw in
                Unmanaged<WorkBox>.fromOpaque(raw!).takeRetainedValue().work()
                return nil
            }, arg)
            guard rc == 0 else {
                Unmanaged<WorkBox>.fromOpaque(arg).release()
                work()
                return
            }
            #if canImport(Glibc)
            pthread_join(thread, nil)
            #else
            pthread_join(thread!, nil)
            #endif
        }
        return try result!.get()
    }

    private final class WorkBox: @unchecked Sendable {
        let work: () -> Void
        init(_ w: @escaping () -> Void) { work = w }
    }

    /// Starts a detached thread with a large stack running `body` (the kernel's worker).
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable { let work: @Sendable () -> Void; init(_ w: @escaping @Sendable () -> Void) { work = w } }
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, size)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        let arg = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t? = nil
        #endif
        pthread_create(&thread, &attr, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().work()
            return nil
        }, arg)
    }
}
