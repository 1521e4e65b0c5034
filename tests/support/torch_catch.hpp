// LibTorch and Catch in one test file: include this instead of both. LibTorch's glog defines a
// one-argument CHECK; Catch's (variadic, reporting) one must win, so LibTorch comes first here
// and a test file that needs both includes no other Catch header.
#pragma once

#include <torch/torch.h>

#undef CHECK
#include <catch2/catch.hpp>
