// The instance store and the resumable loop (store.hpp).
#include "store.hpp"

#include <fmt/format.h>

#include "common.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/train/runtime.hpp"

namespace pmt::tools::detail {

namespace fs = std::filesystem;

InstanceStore::InstanceStore(fs::path folder) : folder_(std::move(folder)) {
  fs::create_directories(folder_);
  io::remove_stale_tmp(folder_, "instance_");
}

fs::path InstanceStore::model(int i) const { return model_file(folder_, i); }
fs::path InstanceStore::sidecar(int i) const { return sidecar_file(folder_, i); }
bool InstanceStore::done(int i) const { return fs::exists(model(i)) && fs::exists(sidecar(i)); }

void InstanceStore::save(int i, const std::function<void(const fs::path&)>& save_model,
                         const SidecarHead& head, nlohmann::json fields) const {
  save_model(model(i));
  fields["subject"] = head.subject;
  fields["mutation"] = head.mutation.name;
  fields["parameter"] = head.mutation.param;
  fields["operator"] = head.op;
  fields["instance"] = i;
  fields["base_seed"] = head.base_seed;
  io::write_file_atomic(sidecar(i), fields.dump(2) + "\n");
}

void run_resumable(std::size_t n, int jobs, int threads,
                   const std::function<void(std::size_t)>& job, Progress* progress,
                   const std::function<std::string()>& saved) {
  try {
    pmt::parallel_for(
        n, jobs,
        [&](std::size_t k) {
          throw_if_interrupted();
          train::use_threads(threads);
          job(k);
        },
        progress);
  } catch (const Interrupted& e) {
    throw Interrupted(e.signal(), saved() + " saved, rerun to resume");
  }
}

}  // namespace pmt::tools::detail
