// Linked into every executable of a sanitizer build (FINETUNE_SANITIZE): the options the
// sanitizers read at start, so tests, the CLI they run, ctest's test discovery and the fuzzers
// behave the same without anyone setting ASAN_OPTIONS or LSAN_OPTIONS.
extern "C" {

// LibTorch's and OpenCV's shared libraries define a few of the same globals (their bundled
// protobuf and flatbuffers): reported as ODR violations, but not ours to fix.
const char* __asan_default_options() { return "detect_odr_violation=0"; }

// What LibTorch, OpenMP and protobuf keep until the process ends (op registries, thread pools,
// descriptor pools): LeakSanitizer reports them, though nothing is lost. Ours stay reported.
const char* __lsan_default_suppressions() {
  return "leak:libtorch_cpu.so\n"
         "leak:libc10.so\n"
         "leak:libgomp.so\n"
         "leak:libprotobuf.so\n";
}

const char* __ubsan_default_options() { return "print_stacktrace=1"; }
}
