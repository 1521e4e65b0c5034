// The process the engine trains in: intra-op threads, glibc's heap, peak memory. No LibTorch in
// this header.
#pragma once

namespace pmt::train {

// Intra-op threads of the calling thread (and OpenBLAS's pool).
void use_threads(int threads);
// glibc keeps freed blocks up to 32 MB (a training batch's activations) on the heap and does not
// trim it, so a training loop reuses its memory instead of page-faulting it back in every batch.
void keep_freed_memory();
// The process's peak resident set size so far, in MB.
double current_peak_rss_mb();

}  // namespace pmt::train
