// A CPU stand-in for the parts of NVIDIA's driver API (libcuda.so.1) that Tessera's CUDA
// backend calls, so the backend's whole path (argument packing, launch geometry, memory
// pool, host copies) and its kernels' logic run in `make test` on machines without a GPU.
// It is a test fixture, never shipped: the kernels are the backend's own source
// (`tessera backend-check --cuda-source`), compiled here by g++ instead of NVRTC, and run
// block by block; blocks that synchronize run their threads as real threads with a barrier.
// The grid is capped at a few blocks, which the kernels' grid-stride loops must handle.
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

struct EmulatedDim { unsigned x = 1, y = 1, z = 1; };
static thread_local EmulatedDim threadIdx, blockIdx;
static EmulatedDim blockDim, gridDim;
static thread_local std::barrier<>* emulatedBarrier = nullptr;
static thread_local char* emulatedShared = nullptr;

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(threads)
#define __syncthreads() emulatedBarrier->arrive_and_wait()
#define TESSERA_SHARED(type, name) type* name = reinterpret_cast<type*>(emulatedShared)
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
#include <math.h>  // expf, logf, fmaxf, ... as CUDA names them

#include KERNELS  // the backend's kernels, passed with -DKERNELS='"path"'

namespace {
using Trampoline = std::function<void(void**)>;

template <typename... A, std::size_t... I>
void call(void (*f)(A...), void** args, std::index_sequence<I...>) { f(*reinterpret_cast<A*>(args[I])...); }

template <typename... A>
Trampoline wrap(void (*f)(A...)) { return [f](void** args) { call(f, args, std::index_sequence_for<A...>{}); }; }

struct Kernel { Trampoline run; bool synchronizes; };

std::map<std::string, Kernel>& kernels() {
    static std::map<std::string, Kernel> k = {
        {"binary_same", {wrap(binary_same), false}}, {"binary_broadcast", {wrap(binary_broadcast), false}},
        {"unary_map", {wrap(unary_map), false}}, {"reduce_rows", {wrap(reduce_rows), true}},
        {"reduce_strided", {wrap(reduce_strided), false}}, {"softmax_rows", {wrap(softmax_rows), true}},
        {"softmax_strided", {wrap(softmax_strided), false}},
        {"argmax_strided", {wrap(argmax_strided), false}}, {"permute_axes", {wrap(permute_axes), false}}, {"im2col", {wrap(im2col), false}},
        {"col2im", {wrap(col2im), false}}, {"pool2d", {wrap(pool2d), false}},
        {"pool2d_gradient", {wrap(pool2d_gradient), false}},
    };
    return k;
}
int module = 0;
}

extern "C" {
typedef int CUresult;
CUresult cuInit(unsigned) { return 0; }
CUresult cuDeviceGetCount(int* n) { *n = 1; return 0; }
CUresult cuDeviceGet(int* d, int ordinal) { *d = ordinal; return ordinal == 0 ? 0 : 101; }
CUresult cuDeviceGetName(char* name, int length, int) { std::snprintf(name, length, "Tessera CUDA emulator (CPU)"); return 0; }
CUresult cuDeviceGetAttribute(int* v, int attribute, int) { *v = attribute == 75 ? 9 : attribute == 76 ? 0 : 0; return 0; }
CUresult cuDevicePrimaryCtxRetain(void** ctx, int) { static int c; *ctx = &c; return 0; }
CUresult cuCtxSetCurrent(void*) { return 0; }
CUresult cuCtxSynchronize() { return 0; }
CUresult cuMemAlloc_v2(std::uint64_t* p, std::size_t bytes) {
    void* m = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!m) return 2;
    std::memset(m, 0xff, bytes);  // NaNs: a kernel that forgets to write an output shows it
    *p = reinterpret_cast<std::uint64_t>(m);
    return 0;
}
CUresult cuMemFree_v2(std::uint64_t p) { std::free(reinterpret_cast<void*>(p)); return 0; }
CUresult cuMemcpyHtoD_v2(std::uint64_t d, const void* h, std::size_t n) { std::memcpy(reinterpret_cast<void*>(d), h, n); return 0; }
CUresult cuMemcpyDtoH_v2(void* h, std::uint64_t d, std::size_t n) { std::memcpy(h, reinterpret_cast<void*>(d), n); return 0; }
CUresult cuMemsetD32_v2(std::uint64_t d, unsigned v, std::size_t n) {
    auto* p = reinterpret_cast<unsigned*>(d);
    for (std::size_t i = 0; i < n; i++) p[i] = v;
    return 0;
}
CUresult cuModuleLoadData(void** m, const void* image) { if (!image) return 1; *m = &module; return 0; }
CUresult cuModuleGetFunction(void** f, void*, const char* name) {
    auto it = kernels().find(name);
    if (it == kernels().end()) return 500;  // CUDA_ERROR_NOT_FOUND
    *f = &it->second;
    return 0;
}
CUresult cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned sharedBytes, void*, void** params, void**) {
    if (gx == 0 || bx == 0 || bx > 1024 || gy != 1 || gz != 1 || by != 1 || bz != 1) return 1;  // CUDA_ERROR_INVALID_VALUE
    if (sharedBytes > 48 * 1024) return 1;
    auto* k = static_cast<Kernel*>(f);
    gridDim = {std::min(gx, 3u), 1, 1};
    blockDim = {bx, 1, 1};
    for (unsigned b = 0; b < gridDim.x; b++) {
        std::vector<char> shared(sharedBytes + 8);
        if (!k->synchronizes) {
            for (unsigned t = 0; t < bx; t++) {
                blockIdx = {b, 1, 1}; threadIdx = {t, 1, 1}; emulatedShared = shared.data();
                k->run(params);
            }
            continue;
        }
        std::barrier<> barrier(bx);
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < bx; t++) {
            threads.emplace_back([&, t] {
                blockIdx = {b, 1, 1}; threadIdx = {t, 1, 1};
                emulatedBarrier = &barrier; emulatedShared = shared.data();
                k->run(params);
            });
        }
        for (auto& th : threads) th.join();
    }
    return 0;
}
// NVRTC looks for the driver while it compiles and asks it for private tables; an
// emulator has none to give (CUDA_ERROR_NOT_SUPPORTED), and NVRTC does without.
CUresult cuGetExportTable(const void** table, const void*) { *table = nullptr; return 801; }
CUresult cuGetErrorString(CUresult status, const char** text) {
    *text = status == 2 ? "out of memory (emulated)" : status == 500 ? "named symbol not found (emulated)" : "error (emulated)";
    return 0;
}
}
